#!/usr/bin/env bash
# Browser tests: start the real service with demo data in a throw-away data directory on a free
# port, run the Playwright tests against it, and stop it again. E2E_PORT picks the port instead;
# the run fails if anything but our own server answers there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/test-server.sh
start_demo_server "${E2E_PORT:-}"

E2E_BASE_URL="$SERVER_URL" npm --prefix frontend run --silent test:e2e

# Property-based API check against the same live server: no generated request may cause a 5xx.
# First as a secretary (a member with reviewer rights, so claim creation and review are
# reached), then as the org admin, whose fuzzing may reset demo passwords.
for USERNAME in secretary1 admin; do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "the test server stopped during the tests" >&2; exit 1; }
  TOKEN=$(curl -fsS -X POST "$SERVER_URL/api/v1/auth/login" \
    -H 'content-type: application/json' \
    -d "{\"username\":\"$USERNAME\",\"password\":\"vanguard-demo\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  "$UV" run --frozen schemathesis run "$SERVER_URL/api/v1/openapi.json" \
    -H "Authorization: Bearer $TOKEN" --checks not_a_server_error -n 15 \
    --phases coverage,fuzzing --exclude-path-regex '/auth/(logout|password)' --no-color
done
