#!/usr/bin/env bash
# Lighthouse on the phone app: serve the built app with demo data on a free port (BENCH_WEB_PORT
# picks one instead), run bench/lighthouse.mjs against it (median of 5 runs), stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/test-server.sh
start_demo_server "${BENCH_WEB_PORT:-}"
E2E_BASE_URL="$SERVER_URL" node bench/lighthouse.mjs "${LIGHTHOUSE_RUNS:-5}"
