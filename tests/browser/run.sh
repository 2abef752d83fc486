#!/usr/bin/env bash
# Builds the server, starts two nodes on free loopback ports (one listing a third
# port's origin in CHATAPI_CORS_ORIGINS, one without the setting), and runs the
# browser tests (two_users.mjs, which runs cross_origin.mjs and console.mjs too) against
# them. Exits with their status.
# Needs: node + npm, python3, cargo; installs Debian's chromium if missing.
# Usage: bash tests/browser/run.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CHROMIUM=/usr/bin/chromium

# Debian's Chromium, never a browser that playwright would download.
if [[ ! -x "$CHROMIUM" ]]; then
  SUDO=""
  [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi

if [[ ! -d "$HERE/node_modules" ]]; then
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# A debug build: CI has just built it for the test suite, and speed is not measured here.
(cd "$ROOT" && cargo build --bin chatapi)

free_port() {
  # A port free right now on loopback (the OS picks it; a tiny race is acceptable here).
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PORT="$(free_port)"
PORT_NO_CORS="$(free_port)"
ORIGIN_PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
URL_NO_CORS="http://127.0.0.1:$PORT_NO_CORS"
LOG="$(mktemp -t chatapi-browser.XXXXXX.log)"
LOG_NO_CORS="$(mktemp -t chatapi-browser-no-cors.XXXXXX.log)"

SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
}
trap cleanup EXIT

# REDIS_URL is cleared so the test runs on the in-process engine, and
# CHATAPI_ADMIN_TOKEN so that POST /clients is open (development mode).
# start_node PORT LOG [VAR=VALUE...]
start_node() {
  local port="$1" log="$2"
  shift 2
  env -u REDIS_URL -u CHATAPI_ADMIN_TOKEN -u CHATAPI_CORS_ORIGINS CHATAPI_HOST=127.0.0.1 \
    CHATAPI_PORT="$port" "$@" "${CARGO_TARGET_DIR:-$ROOT/target}/debug/chatapi" >"$log" 2>&1 &
  SERVER_PIDS+=($!)
}

healthy() {
  python3 - "$1/api/v1/health" <<'PY'
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

# wait_healthy URL PID LOG
wait_healthy() {
  local deadline=$((SECONDS + 30))
  until healthy "$1"; do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "browser: 0 passed, 1 failed"
      echo "  the server exited before becoming healthy; its log ($3):"
      tail -n 20 "$3"
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      echo "browser: 0 passed, 1 failed"
      echo "  the server was not healthy within 30 s; its log ($3):"
      tail -n 20 "$3"
      exit 1
    fi
    sleep 0.2
  done
}

# The demo page runs on a node that lists the other origin, so the setting must not
# get in the way of same-origin use; the second node has no CORS setting at all.
start_node "$PORT" "$LOG" CHATAPI_CORS_ORIGINS="http://127.0.0.1:$ORIGIN_PORT"
wait_healthy "$URL" "${SERVER_PIDS[0]}" "$LOG"
start_node "$PORT_NO_CORS" "$LOG_NO_CORS"
wait_healthy "$URL_NO_CORS" "${SERVER_PIDS[1]}" "$LOG_NO_CORS"

status=0
CHATAPI_URL="$URL" CHATAPI_URL_NO_CORS="$URL_NO_CORS" CHATAPI_ORIGIN_PORT="$ORIGIN_PORT" \
  node "$HERE/two_users.mjs" || status=$?
if (( status != 0 )); then
  echo "  server log ($LOG), last lines:"
  tail -n 20 "$LOG" | sed 's/^/    /'
fi
exit "$status"
