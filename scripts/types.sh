#!/usr/bin/env bash
# The frontend's API types, generated from the backend's OpenAPI document:
#   bash scripts/types.sh          rewrite frontend/src/api/schema.d.ts (`make types`)
#   bash scripts/types.sh --check  fail if the committed file differs from what the API says now
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-uv}"
TARGET=frontend/src/api/schema.d.ts
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Settings from the caller's environment must not leak into the document.
env -u DATABASE_URL -u DATA_DIR "$UV" run --frozen python scripts/openapi.py >"$WORK/openapi.json"
# A field with a default is typed as always present (openapi-typescript's default): responses
# always carry it, and the app sends it in requests.
npm --prefix frontend exec --no -- openapi-typescript "$WORK/openapi.json" \
  --output "$WORK/schema.d.ts" --silent >/dev/null

case "${1:-}" in
  --check)
    if ! diff -u "$TARGET" "$WORK/schema.d.ts" >"$WORK/diff"; then
      head -n 60 "$WORK/diff" >&2
      echo >&2
      echo "$TARGET is stale: the API changed since it was generated." >&2
      echo "Run 'make types', check that 'npm --prefix frontend run typecheck' passes, and commit it." >&2
      exit 1
    fi
    echo "$TARGET matches the API's OpenAPI document"
    ;;
  "")
    cp "$WORK/schema.d.ts" "$TARGET"
    echo "wrote $TARGET"
    ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac
