#!/bin/sh
# The image's entrypoint: one word names the process to run, anything else runs as given.
#   web                 gunicorn (deploy/gunicorn.conf.py) — the default
#   worker              manage.py run_sync_worker (queued syncs: "Sync now", first syncs, webhooks)
#   dagster-webserver   Dagster's UI and GraphQL API on :3000 (DAGSTER_HOME with dagster.yaml)
#   dagster-daemon      Dagster's schedules, sensors and run queue
#   migrate             manage.py migrate (run once per release, before starting web)
#   manage <args>       any manage.py command, e.g. `manage createsuperuser`
set -eu
cd /app
case "${1:-web}" in
  web) [ $# -gt 0 ] && shift; exec gunicorn -c /app/deploy/gunicorn.conf.py "$@" ;;
  worker) shift; exec python manage.py run_sync_worker "$@" ;;
  dagster-webserver)
    shift; exec dagster-webserver -m etl.definitions -h 0.0.0.0 -p "${DAGSTER_PORT:-3000}" "$@" ;;
  dagster-daemon) shift; exec dagster-daemon run -m etl.definitions "$@" ;;
  migrate) shift; exec python manage.py migrate --noinput "$@" ;;
  manage) shift; exec python manage.py "$@" ;;
  *) exec "$@" ;;
esac
