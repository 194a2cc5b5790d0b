#!/usr/bin/env bash
# Back up the application's PostgreSQL database: one `pg_dump -Fc` file per run, plus the row
# count of every table taken in the same snapshot as the dump (what deploy/restore-drill.sh
# checks a restore against), keeping the newest BACKUP_KEEP dumps.
#
#   DATABASE_URL=postgres://ar:secret@db:5432/ar deploy/backup.sh [BACKUP_DIR]
#
# Environment:
#   DATABASE_URL   the database to dump (postgres:// or postgresql://). A password in it is
#                  passed to pg_dump/psql through PGPASSWORD, never on a command line.
#   BACKUP_DIR     where dumps go (default /var/backups/ar-dashboard; the argument wins)
#   BACKUP_KEEP    how many dumps to keep (default 14: two weeks of daily runs)
# Writes BACKUP_DIR/ar-dashboard-YYYYmmddTHHMMSSZ.dump and .counts (mode 600); prints the dump's
# path on stdout. Exit status: 0 done, 1 dump failed, 2 bad usage.
set -euo pipefail
export LC_ALL=C
umask 077

die() { echo "backup: $1" >&2; exit "${2:-1}"; }

url=${DATABASE_URL:-}
[ -n "$url" ] || die "DATABASE_URL is not set" 2
case "$url" in
  postgres://*|postgresql://*) ;;
  *) die "DATABASE_URL must be a PostgreSQL URL (postgres://user:pass@host:5432/db)" 2 ;;
esac
dir=${1:-${BACKUP_DIR:-/var/backups/ar-dashboard}}
keep=${BACKUP_KEEP:-14}
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP=$keep must be a positive integer" 2
for tool in psql pg_dump; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install postgresql-client)" 2
done

# A password in the URL moves to PGPASSWORD, so `ps` never shows it.
if [[ "$url" =~ ^(postgres(ql)?://)([^:@/]*):([^@/]*)@(.*)$ ]]; then
  PGPASSWORD=$(printf '%b' "${BASH_REMATCH[4]//%/\\x}")
  export PGPASSWORD
  url="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
fi

# Every table's exact row count, as lines "schema.table|count".
COUNT_SQL="SELECT format('%I.%I', table_schema, table_name) || '|' || (xpath('/row/n/text()',
  query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name),
  false, true, '')))[1]::text
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1;"

mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="$dir/ar-dashboard-$stamp"
[ ! -e "$base.dump" ] || die "$base.dump already exists (two backups in the same second?)"
work=$(mktemp -d "$dir/.backup.XXXXXX")
psql_pid=
cleanup() {
  [ -z "$psql_pid" ] || kill "$psql_pid" 2>/dev/null || true
  rm -rf "$work"
  rm -f "$base.dump.partial" "$base.counts.partial"
}
trap cleanup EXIT
# psql gone early (bad password, server down): writing to it fails and `set -e` exits through
# cleanup, rather than SIGPIPE killing the script past its EXIT trap.
trap '' PIPE

# A session holds a repeatable-read transaction open: pg_dump dumps its exported snapshot and
# the counts are read in the same snapshot, so they describe exactly what the dump holds.
# The session is a background psql talking through two FIFOs, not a coproc: bash unsets a
# coproc's PSQL/PSQL_PID variables as soon as it reaps the process, which under `set -u` made
# `wait "$PSQL_PID"` fail ("unbound variable") whenever psql had already exited. $! is ours.
mkfifo "$work/to-psql" "$work/from-psql"
psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$url" <"$work/to-psql" >"$work/from-psql" &
psql_pid=$!
exec {to_psql}>"$work/to-psql" {from_psql}<"$work/from-psql"
printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" \
  "SELECT pg_export_snapshot();" >&"$to_psql"
IFS= read -r -t 60 snapshot <&"$from_psql" || die "could not open a snapshot on the database"

pg_dump --format=custom --compress=6 --snapshot="$snapshot" --dbname="$url" \
  --file="$base.dump.partial" || die "pg_dump failed"

printf '%s\n' "$COUNT_SQL" "SELECT '-- end of counts --';" >&"$to_psql"
: >"$base.counts.partial"
while IFS= read -r -t 3600 line <&"$from_psql"; do
  [ "$line" = "-- end of counts --" ] && break
  printf '%s\n' "$line" >>"$base.counts.partial"
done
[ "$line" = "-- end of counts --" ] || die "could not count the rows of the dumped snapshot"
printf '%s\n' "COMMIT;" '\q' >&"$to_psql"
exec {to_psql}>&-
wait "$psql_pid" || { psql_pid=; die "psql ended with an error"; }
psql_pid=
exec {from_psql}<&-
rm -rf "$work"

mv "$base.dump.partial" "$base.dump"
mv "$base.counts.partial" "$base.counts"
trap - EXIT

# Rotation: names sort by time; keep the newest $keep dumps (and their counts).
mapfile -t dumps < <(find "$dir" -maxdepth 1 -name 'ar-dashboard-*.dump' -printf '%f\n' | sort -r)
for old in "${dumps[@]:$keep}"; do
  rm -f "$dir/$old" "$dir/${old%.dump}.counts"
  echo "backup: removed old $old" >&2
done

tables=$(wc -l <"$base.counts")
rows=$(awk -F'|' '{s += $2} END {print s + 0}' "$base.counts")
echo "backup: $base.dump ($(du -h "$base.dump" | cut -f1), $tables tables, $rows rows)" >&2
echo "$base.dump"
