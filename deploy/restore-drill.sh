#!/usr/bin/env bash
# Restore drill: restore a dump made by deploy/backup.sh into a scratch database and compare the
# row count of every table with the source's. A backup is only as good as its last restore.
#
#   DATABASE_URL=postgres://ar:secret@db:5432/ar deploy/restore-drill.sh [DUMP]
#
# DUMP defaults to the newest BACKUP_DIR/ar-dashboard-*.dump. The source's counts are those
# backup.sh took in the dump's own snapshot (DUMP with .counts for .dump); a dump without them
# is compared with the live DATABASE_URL (writes since the dump then show as mismatches).
#
# Environment:
#   DATABASE_URL        the source database (also the server the scratch database goes on)
#   BACKUP_DIR          where to look for the newest dump (default /var/backups/ar-dashboard)
#   DRILL_DATABASE_URL  the scratch database (default: <source name>_restore_drill on the same
#                       server). It is dropped and created, so never name a real database; it
#                       must differ from the source. The role needs CREATEDB.
#   DRILL_KEEP          1 keeps the scratch database afterwards (default: dropped)
#   DRILL_JOBS          parallel pg_restore jobs (default 2)
# Exit status: 0 every count equal, 1 a count differs or the restore failed, 2 bad usage.
set -euo pipefail
export LC_ALL=C

die() { echo "restore-drill: $1" >&2; exit "${2:-1}"; }

url=${DATABASE_URL:-}
[ -n "$url" ] || die "DATABASE_URL is not set" 2

# Split a URL into "scheme+credentials@host/", database name and "?query"; a password moves to
# the returned PGPASSWORD value so no command line shows it.
split_url() {  # URL -> sets u_prefix u_db u_query u_password
  local rest=$1
  u_query=""
  [[ "$rest" == *\?* ]] && u_query="?${rest#*\?}" && rest=${rest%%\?*}
  [[ "$rest" =~ ^(postgres(ql)?://)(.*)/([^/]*)$ ]] \
    || die "not a PostgreSQL URL with a database name: ${1%%@*}@…" 2
  u_prefix="${BASH_REMATCH[1]}${BASH_REMATCH[3]}/"
  u_db=${BASH_REMATCH[4]}
  u_password=""
  if [[ "$u_prefix" =~ ^(postgres(ql)?://)([^:@/]*):([^@/]*)@(.*)$ ]]; then
    u_password=$(printf '%b' "${BASH_REMATCH[4]//%/\\x}")
    u_prefix="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
  fi
}

split_url "$url"
src_url="$u_prefix$u_db$u_query" src_db=$u_db src_password=$u_password
split_url "${DRILL_DATABASE_URL:-$u_prefix${u_db}_restore_drill$u_query}"
drill_url="$u_prefix$u_db$u_query" drill_db=$u_db drill_password=$u_password
drill_admin_url="${u_prefix}postgres$u_query"
[[ "$drill_db" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] \
  || die "scratch database name '$drill_db' must be letters, digits and _" 2
if [ "$drill_db" = "$src_db" ] && [ "${drill_url%%/"$drill_db"*}" = "${src_url%%/"$src_db"*}" ]; then
  die "the scratch database must not be the source database" 2
fi
for tool in psql pg_restore; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install postgresql-client)" 2
done
src() { PGPASSWORD=$src_password "$@"; }
drill() { PGPASSWORD=$drill_password "$@"; }

dump=${1:-}
if [ -z "$dump" ]; then
  dir=${BACKUP_DIR:-/var/backups/ar-dashboard}
  dump=$(find "$dir" -maxdepth 1 -name 'ar-dashboard-*.dump' -printf '%f\n' 2>/dev/null \
    | sort -r | head -n 1)
  [ -n "$dump" ] || die "no ar-dashboard-*.dump in $dir" 2
  dump="$dir/$dump"
fi
[ -r "$dump" ] || die "cannot read $dump" 2
counts_file="${dump%.dump}.counts"

COUNT_SQL="SELECT format('%I.%I', table_schema, table_name) || '|' || (xpath('/row/n/text()',
  query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name),
  false, true, '')))[1]::text
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1;"

work=$(mktemp -d)
cleanup() {
  if [ "${DRILL_KEEP:-0}" != 1 ]; then
    drill psql -X -q -v ON_ERROR_STOP=1 --dbname="$drill_admin_url" \
      -c "DROP DATABASE IF EXISTS \"$drill_db\" WITH (FORCE)" >/dev/null 2>&1 \
      || echo "restore-drill: could not drop scratch database $drill_db" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "restore-drill: restoring $dump into scratch database $drill_db" >&2
started=$(date +%s)
drill psql -X -q -v ON_ERROR_STOP=1 --dbname="$drill_admin_url" \
  -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS \"$drill_db\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$drill_db\"" >/dev/null || die "could not create $drill_db"
drill pg_restore --no-owner --no-privileges --exit-on-error --jobs="${DRILL_JOBS:-2}" \
  --dbname="$drill_url" "$dump" || die "pg_restore failed: the dump does not restore"
restored_in=$(( $(date +%s) - started ))

drill psql -X -A -t -v ON_ERROR_STOP=1 --dbname="$drill_url" -c "$COUNT_SQL" \
  | sort >"$work/restored" || die "could not count the restored rows"
if [ -s "$counts_file" ]; then
  source_label="source at dump time ($(basename "$counts_file"))"
  sort "$counts_file" >"$work/source"
else
  source_label="live source $src_db (no counts file: writes since the dump show as mismatches)"
  src psql -X -A -t -v ON_ERROR_STOP=1 --dbname="$src_url" -c "$COUNT_SQL" \
    | sort >"$work/source" || die "could not count the source's rows"
fi
[ -s "$work/source" ] || die "the source has no tables to compare"

echo "restore-drill: comparing with the $source_label" >&2
join -t '|' -a 1 -a 2 -e MISSING -o 0,1.2,2.2 "$work/source" "$work/restored" \
  | awk -F'|' -v restored_in="$restored_in" '
    BEGIN { printf "%-48s %12s %12s\n", "table", "source", "restored" }
    {
      status = ($2 == $3) ? "" : "  MISMATCH"
      if (status != "") bad++
      tables++; rows += ($2 == "MISSING" ? 0 : $2)
      printf "%-48s %12s %12s%s\n", $1, $2, $3, status
    }
    END {
      if (bad) { printf "restore drill FAILED: %d of %d tables differ\n", bad, tables; exit 1 }
      printf "restore drill OK: %d tables, %d rows, every count equal (restored in %d s)\n", \
        tables, rows, restored_in
    }'
