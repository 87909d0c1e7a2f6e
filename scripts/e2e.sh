#!/usr/bin/env bash
# Browser tests: start the real service with demo data in a throw-away data directory on a free
# port, run the Playwright tests against it, and stop it again. E2E_PORT picks the port instead;
# the run fails if anything but our own server answers there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/test-server.sh
start_demo_server "${E2E_PORT:-}"

# TAP as it goes; the spec reporter's summary of what failed, with each error, at the end (a
# failed hook otherwise shows only as cancelled tests far up in a long log).
FAILURES="$(mktemp)"
if ! (cd frontend && E2E_BASE_URL="$SERVER_URL" node --test \
  --test-reporter=tap --test-reporter-destination=stdout \
  --test-reporter=spec --test-reporter-destination="$FAILURES" e2e/); then
  sed -n '/failing tests:/,$p' "$FAILURES" >&2
  rm -f "$FAILURES"
  exit 1
fi
rm -f "$FAILURES"

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
