#!/usr/bin/env bash
# Tests of the JavaScript client (static/chatapi.js) under Node's built-in runner: its
# types (types.test.mjs, with the typescript package), then against live nodes
# (client.test.mjs): once on the in-process store, once on a redis-server of its own
# (this repository's redis.conf, a free port, a temp dir). The tests start and stop
# the nodes themselves (client.test.mjs restarts one), from the binary built here.
# Needs: node 20+ and npm, cargo, redis-server, python3.
# Usage: bash tests/js/run.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

# Installs from the lock file when a package is missing (a fresh clone, or an older
# node_modules from before a package was added).
if [[ ! -d "$HERE/node_modules/ws" || ! -d "$HERE/node_modules/typescript" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund)
fi

# A debug build, as the browser test uses: CI has just built it for the test suite.
(cd "$ROOT" && cargo build --bin chatapi)
export CHATAPI_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/chatapi"

REDIS_DIR="$(mktemp -d -t chatapi-js-redis.XXXXXX)"
REDIS_PID=""
cleanup() {
  if [[ -n "$REDIS_PID" ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$REDIS_DIR"
}
trap cleanup EXIT

status=0
echo "--- chatapi.js and chatapi.d.ts under TypeScript's strict check"
(cd "$HERE" && node --test --test-reporter=spec types.test.mjs) || status=$?

echo "--- chatapi.js on the memory store"
(cd "$HERE" && env -u REDIS_URL node --test --test-reporter=spec client.test.mjs) || status=$?

# A port free right now on loopback (the OS picks it; a tiny race is acceptable here).
REDIS_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
redis-server "$ROOT/redis.conf" --port "$REDIS_PORT" --dir "$REDIS_DIR" --save "" \
  --daemonize no --bind 127.0.0.1 >"$REDIS_DIR/redis.log" 2>&1 &
REDIS_PID=$!
deadline=$((SECONDS + 15))
until [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; do
  if (( SECONDS >= deadline )) || ! kill -0 "$REDIS_PID" 2>/dev/null; then
    echo "redis-server did not start; its log:"
    tail -n 20 "$REDIS_DIR/redis.log"
    exit 1
  fi
  sleep 0.1
done

echo "--- chatapi.js on Redis"
(cd "$HERE" && REDIS_URL="redis://127.0.0.1:$REDIS_PORT" node --test --test-reporter=spec client.test.mjs) || status=$?
exit "$status"
