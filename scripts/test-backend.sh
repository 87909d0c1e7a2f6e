#!/usr/bin/env bash
# The backend suite on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL: the two runs
# side by side (each mostly waits on its own database), each into its own log, printed in turn.
set -uo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-uv}"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

env -u TEST_DATABASE_URL "$UV" run --frozen pytest -q -p no:cacheprovider >"$logs/sqlite.log" 2>&1 &
sqlite=$!
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  "$UV" run --frozen pytest -q -p no:cacheprovider >"$logs/pg.log" 2>&1 &
  pg=$!
fi

wait "$sqlite"; sqlite_rc=$?
echo "== backend tests on SQLite"
cat "$logs/sqlite.log"
rc=$sqlite_rc
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  wait "$pg"; pg_rc=$?
  echo "== backend tests on ${TEST_DATABASE_URL%%@*}@…"
  cat "$logs/pg.log"
  [ "$pg_rc" -ne 0 ] && rc=$pg_rc
fi
exit "$rc"
