#!/bin/bash
# Run once by the postgres image when it creates the cluster: Dagster's storage (runs, event
# logs, schedules) gets its own database, owned by the application's role.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE DATABASE \"${DAGSTER_DB:-dagster}\" OWNER \"$POSTGRES_USER\""
