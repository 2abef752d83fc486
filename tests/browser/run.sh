#!/usr/bin/env bash
# Builds the server, starts it on a free loopback port, and runs the two-user
# browser test (two_users.mjs) against it. Exits with the test's status.
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

# A port free right now on loopback (the OS picks it; a tiny race is acceptable here).
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"
LOG="$(mktemp -t chatapi-browser.XXXXXX.log)"

SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# REDIS_URL is cleared so the test runs on the in-process engine, and
# CHATAPI_ADMIN_TOKEN so that POST /clients is open (development mode).
env -u REDIS_URL -u CHATAPI_ADMIN_TOKEN CHATAPI_HOST=127.0.0.1 CHATAPI_PORT="$PORT" \
  "${CARGO_TARGET_DIR:-$ROOT/target}/debug/chatapi" >"$LOG" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + 30))
healthy() {
  python3 - "$URL/api/v1/health" <<'PY'
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}
until healthy; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "browser: 0 passed, 1 failed"
    echo "  the server exited before becoming healthy; its log ($LOG):"
    tail -n 20 "$LOG"
    exit 1
  fi
  if (( SECONDS >= deadline )); then
    echo "browser: 0 passed, 1 failed"
    echo "  the server was not healthy within 30 s; its log ($LOG):"
    tail -n 20 "$LOG"
    exit 1
  fi
  sleep 0.2
done

status=0
CHATAPI_URL="$URL" node "$HERE/two_users.mjs" || status=$?
if (( status != 0 )); then
  echo "  server log ($LOG), last lines:"
  tail -n 20 "$LOG" | sed 's/^/    /'
fi
exit "$status"
