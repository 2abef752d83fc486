#!/usr/bin/env bash
# A second, lighter load client for the REST scenarios of BENCHMARKS.md: wrk (Debian's
# `wrk` package) against one node started here with every rate limit off, and with
# `redis` a private redis-server (the repository's redis.conf) as its store. One client
# application, one user, one room; prints wrk's figures, the node's and Redis's CPU
# ticks (1/100 s) over the run, and the commands Redis ran.
#
#   loadtest/wrk.sh target/release/chatapi redis send 64 10    # POST /messages
#   loadtest/wrk.sh target/release/chatapi redis send100 64 10 # the same, over 100 rooms
#   loadtest/wrk.sh target/release/chatapi redis login 64 10   # POST /users/login
#   loadtest/wrk.sh target/release/chatapi redis me 64 10      # GET /users/me
#
# usage: wrk.sh BIN [memory|redis] [send|send100|me|login] [connections] [seconds]
BIN=$1; STORE=${2:-memory}; WHAT=${3:-send}; C=${4:-64}; D=${5:-10}
set -e
RP=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
TMP=$(mktemp -d)
ENVS="CHATAPI_HOST=127.0.0.1 CHATAPI_PORT=$PORT CHATAPI_LOG=warn CHATAPI_RATE_MESSAGES_PER_SEC=0 CHATAPI_RATE_MESSAGES_BURST=0 CHATAPI_RATE_LOGINS_PER_MIN=0 CHATAPI_RATE_WS_CONNECTS_PER_MIN=0 CHATAPI_RATE_AUTH_FAILURES_PER_MIN=0"
if [ "$STORE" = redis ]; then
  redis-server "$(dirname "$0")/../redis.conf" --port $RP --dir $TMP --save "" --daemonize no --bind 127.0.0.1 > $TMP/redis.log 2>&1 &
  RPID=$!
  sleep 0.5
  ENVS="$ENVS REDIS_URL=redis://127.0.0.1:$RP CHATAPI_REDIS_PREFIX=bench:"
fi
env $ENVS $BIN > $TMP/server.log 2>&1 &
SPID=$!
trap "kill $SPID ${RPID:-} 2>/dev/null; rm -rf $TMP" EXIT
for i in $(seq 50); do curl -sf http://127.0.0.1:$PORT/api/v1/health >/dev/null && break; sleep 0.1; done
B=http://127.0.0.1:$PORT/api/v1
MASTER=$(curl -sf -X POST $B/clients -H 'content-type: application/json' -d '{"name":"bench"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["master_api_key"])')
KEY=$(curl -sf -X POST $B/users -H "authorization: Bearer $MASTER" -H 'content-type: application/json' -d '{"email":"a@b.invalid","username":"bench_a"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["scoped_api_key"])')
ROOM=$(curl -sf -X POST $B/rooms -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"bench"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])')
CONTENT=$(python3 -c 'print("x"*64)')
ROOMS="'$ROOM'"
if [ "$WHAT" = send100 ]; then
  for i in $(seq 99); do
    ROOMS="$ROOMS,'$(curl -sf -X POST $B/rooms -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"bench"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])')'"
  done
fi
case $WHAT in
send) cat > $TMP/s.lua <<LUA
wrk.method = "POST"
wrk.body = '{"room_id":"$ROOM","content":"$CONTENT"}'
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $KEY"
LUA
  URL=$B/messages;;
send100) cat > $TMP/s.lua <<LUA
local rooms = {$ROOMS}
local headers = {["content-type"] = "application/json", ["authorization"] = "Bearer $KEY"}
local turn = 0
request = function()
  turn = turn + 1
  local body = '{"room_id":"' .. rooms[turn % #rooms + 1] .. '","content":"$CONTENT"}'
  return wrk.format("POST", nil, headers, body)
end
LUA
  URL=$B/messages;;
me) cat > $TMP/s.lua <<LUA
wrk.headers["authorization"] = "Bearer $KEY"
LUA
  URL=$B/users/me;;
login) cat > $TMP/s.lua <<LUA
wrk.method = "POST"
wrk.body = '{"email":"a@b.invalid"}'
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $MASTER"
LUA
  URL=$B/users/login;;
esac
T0=$(awk '{print $14+$15}' /proc/$SPID/stat); U0=$(awk '{print $14}' /proc/$SPID/stat); R0=$( [ -n "${RPID:-}" ] && awk '{print $14+$15}' /proc/$RPID/stat || echo 0)
wrk -t2 -c$C -d${D}s --latency -s $TMP/s.lua $URL | grep -E "Requests/sec|99%|50%|Non-2xx|requests in"
T1=$(awk '{print $14+$15}' /proc/$SPID/stat); U1=$(awk '{print $14}' /proc/$SPID/stat)
R1=$( [ -n "${RPID:-}" ] && awk '{print $14+$15}' /proc/$RPID/stat || echo 0); echo "server cpu ticks: $((T1-T0)) (user $((U1-U0))) redis cpu ticks: $((R1-R0))"
[ -n "${RPID:-}" ] && redis-cli -p $RP INFO commandstats | grep -E "calls=[0-9]{4,}" | cut -d, -f1-3
curl -s http://127.0.0.1:$PORT/metrics -H "authorization: Bearer $MASTER" | grep -E "^chatapi_send_batch_size_(sum|count)" || true
