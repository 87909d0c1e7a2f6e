#!/usr/bin/env bash
# Prints the path of a working uv, installing it from PyPI when the machine lacks one.
set -euo pipefail
for candidate in "$(command -v uv 2>/dev/null || true)" "$HOME/.local/bin/uv" ".tools/bin/uv"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "uv not found: installing it from PyPI" >&2
if python3 -m pip install --quiet --user uv >&2 2>/dev/null \
   || python3 -m pip install --quiet --user --break-system-packages uv >&2 2>/dev/null; then
  if [ -x "$HOME/.local/bin/uv" ]; then echo "$HOME/.local/bin/uv"; exit 0; fi
  command -v uv && exit 0
fi
# Last resort: a private virtual environment for the tool.
python3 -m venv .tools >&2
.tools/bin/pip install --quiet uv >&2
echo ".tools/bin/uv"
