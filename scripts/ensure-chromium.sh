#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (never a downloaded build).
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Without a CJK font the screenshots show boxes instead of Chinese.
if [ -x "$CHROMIUM" ] && fc-list 2>/dev/null | grep -qi "noto sans cjk"; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "Chromium is missing: run 'sudo apt-get install chromium' (or set CHROMIUM_PATH)." >&2
  exit 1
fi
echo "Installing Chromium from Debian's packages…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium fonts-noto-cjk >&2
