# Sourced by scripts that test a live server (e2e.sh, bench-web.sh): start the app with demo data
# in a throw-away data directory on a free port, and make sure the server that answers is that
# one: a server some other process runs on the port must never be tested in its place.
#
#   start_demo_server [PORT]   PORT defaults to one the OS picks; sets SERVER_PID, SERVER_PORT,
#                              SERVER_URL, SERVER_LOG; stops the server and removes its data on exit
#
# Linux only: the owner of the listening socket is read with ss(8) and /proc.

UV="${UV:-uv}"

# A port nothing listens on, picked by the OS (bind port 0 and read what it chose).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Whether process $1 is process $2 or one of its descendants (`uv run` starts Python as a child).
_descends_from() {
  local pid=$1 ancestor=$2 stat
  while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
    [ "$pid" = "$ancestor" ] && return 0
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    # Fields after the command name, which may hold spaces: state, then the parent's pid.
    stat="${stat##*) }"
    pid="$(cut -d' ' -f2 <<<"$stat")"
  done
  return 1
}

# Who listens on TCP port $1: prints "none", "ours" or "other: <ss line>". A listening socket whose
# process cannot be seen counts as someone else's.
_listener() {
  local port=$1 lines line pid ours=0
  lines="$(ss -Hltnp "sport = :$port" 2>/dev/null)"
  if [ -z "$lines" ]; then echo none; return; fi
  while IFS= read -r line; do
    local pids
    pids="$(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2)"
    if [ -z "$pids" ]; then echo "other: $line"; return; fi
    for pid in $pids; do
      if _descends_from "$pid" "${SERVER_PID:-}"; then ours=1; else
        echo "other: pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null))"; return
      fi
    done
  done <<<"$lines"
  [ "$ours" = 1 ] && echo ours || echo none
}

_server_failed() {
  if [ -s "$SERVER_LOG" ]; then
    echo "---- end of the test server's log ($SERVER_LOG)" >&2
    tail -n 40 "$SERVER_LOG" >&2
  fi
  echo "TEST SERVER FAILED on port $SERVER_PORT: $*" >&2
  exit 1
}

stop_demo_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [ -n "${SERVER_DATA:-}" ] && rm -rf "$SERVER_DATA"
  return 0
}

start_demo_server() {
  command -v ss >/dev/null || { echo "ss (Debian package iproute2) is needed to check who serves the port" >&2; exit 1; }
  SERVER_PORT="${1:-$(free_port)}"
  SERVER_URL="http://127.0.0.1:$SERVER_PORT"
  SERVER_DATA="$(mktemp -d)"
  SERVER_LOG="$SERVER_DATA/server.log"
  trap stop_demo_server EXIT
  local before
  before="$(_listener "$SERVER_PORT")"
  if [ "$before" != none ]; then
    _server_failed "already taken before the start, by ${before#other: }"
  fi
  DATA_DIR="$SERVER_DATA" PORT="$SERVER_PORT" HOST=127.0.0.1 DATABASE_URL= \
    "$UV" run --frozen python -m app.cli serve --demo >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local listener
  for _ in $(seq 1 240); do
    kill -0 "$SERVER_PID" 2>/dev/null || _server_failed "the server exited before answering"
    listener="$(_listener "$SERVER_PORT")"
    case "$listener" in
      ours)
        if curl -fsS --max-time 5 "$SERVER_URL/readyz" >/dev/null 2>&1; then
          echo "test server ready at $SERVER_URL (pid $SERVER_PID)"
          return 0
        fi ;;
      other*) _server_failed "served by another process, not the test server: ${listener#other: }" ;;
    esac
    sleep 0.5
  done
  _server_failed "no answer from $SERVER_URL/readyz within 120 s"
}
