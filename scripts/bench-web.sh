#!/usr/bin/env bash
# Lighthouse on the phone app: serve the built app with demo data on a spare port, run
# bench/lighthouse.mjs against it (median of 5 runs), stop the server.
set -euo pipefail
UV="${UV:-uv}"
PORT="${BENCH_WEB_PORT:-8790}"
DATA="$(mktemp -d)"
DATA_DIR="$DATA" PORT="$PORT" HOST=127.0.0.1 DATABASE_URL= \
  "$UV" run --frozen python -m app.cli serve --demo >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.5
done
E2E_BASE_URL="http://127.0.0.1:$PORT" node bench/lighthouse.mjs "${LIGHTHOUSE_RUNS:-5}"
