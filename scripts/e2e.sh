#!/usr/bin/env bash
# Browser tests: start the real service with demo data in a throw-away data directory,
# run the Playwright tests against it, and stop it again.
set -euo pipefail
UV="${UV:-uv}"
PORT="${E2E_PORT:-8765}"
DATA="$(mktemp -d)"
LOG="$DATA/server.log"
DATA_DIR="$DATA" PORT="$PORT" HOST=127.0.0.1 DATABASE_URL= \
  "$UV" run --frozen python -m app.cli serve --demo >"$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then cat "$LOG" >&2; echo "server died" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$LOG" >&2; exit 1; }
E2E_BASE_URL="http://127.0.0.1:$PORT" npm --prefix frontend run --silent test:e2e

# Property-based API check against the same live server: no generated request may cause a 5xx.
# First as a secretary (a member with reviewer rights, so claim creation and review are
# reached), then as the org admin, whose fuzzing may reset demo passwords.
for USERNAME in secretary1 admin; do
  TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" \
    -H 'content-type: application/json' \
    -d "{\"username\":\"$USERNAME\",\"password\":\"vanguard-demo\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  "$UV" run --frozen schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    -H "Authorization: Bearer $TOKEN" --checks not_a_server_error -n 15 \
    --phases coverage,fuzzing --exclude-path-regex '/auth/(logout|password)' --no-color
done
