#!/usr/bin/env bash
# The fuzz run: schemathesis generates requests from the node's own OpenAPI document
# (GET /api/v1/openapi.json) and checks every answer against it: no 5xx, every status
# documented, every body and content type and header as documented.
#
# It builds the node, starts a private redis-server (this repository's redis.conf, a
# free port, a temp dir) and one node on it with every rate limit off, registers a
# client (master key) and creates a user (scoped key), then runs schemathesis with a
# fixed seed once per key. Exits non-zero on any finding, printing schemathesis's
# report and the node's error log lines.
# Usage: bash tests/fuzz/run.sh            (EXAMPLES=N to change the examples per operation)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="${FUZZ_VENV:-$ROOT/target/fuzz-venv}"
SEED="${SEED:-20261202}"
EXAMPLES="${EXAMPLES:-100}"

bash "$HERE/install.sh"
command -v redis-server >/dev/null 2>&1 || { echo "fuzz: redis-server is not installed" >&2; exit 1; }
# A debug build: CI has just built it for the other tests.
(cd "$ROOT" && cargo build --quiet --bin chatapi)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
WORK="$(mktemp -d -t chatapi-fuzz.XXXXXX)"
REDIS_PORT="$(free_port)"
PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
# Kept after the run (the work dir is not): schemathesis's JUnit reports and the node's log.
REPORTS="$TARGET/fuzz-report"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
NODE_LOG="$REPORTS/node.log"

REDIS_PID=""
NODE_PID=""
cleanup() {
  for pid in "$NODE_PID" "$REDIS_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

redis-server "$ROOT/redis.conf" --port "$REDIS_PORT" --dir "$WORK" --save "" \
  >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!

# Rate limits off: the run sends thousands of requests with two keys from one address.
env -u CHATAPI_ADMIN_TOKEN \
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT" CHATAPI_HOST=127.0.0.1 CHATAPI_PORT="$PORT" \
  CHATAPI_NODE_ID=fuzz CHATAPI_LOG=warn \
  CHATAPI_RATE_MESSAGES_PER_SEC=0 CHATAPI_RATE_MESSAGES_BURST=0 \
  CHATAPI_RATE_LOGINS_PER_MIN=0 CHATAPI_RATE_WS_CONNECTS_PER_MIN=0 \
  CHATAPI_RATE_AUTH_FAILURES_PER_MIN=0 \
  "$TARGET/debug/chatapi" >"$NODE_LOG" 2>&1 &
NODE_PID=$!

deadline=$((SECONDS + 30))
until curl -sf "$URL/api/v1/ready" >/dev/null; do
  if ! kill -0 "$NODE_PID" 2>/dev/null || (( SECONDS >= deadline )); then
    echo "fuzz: the node did not become ready; its log:" >&2
    tail -n 20 "$NODE_LOG" >&2
    exit 1
  fi
  sleep 0.2
done

# POST the JSON $2 to $1 with the key $3 (may be empty) and print the field $4 of the answer.
call() {
  local auth=()
  [[ -n "$3" ]] && auth=(-H "Authorization: Bearer $3")
  curl -sf -X POST "$URL/api/v1$1" "${auth[@]}" -H 'Content-Type: application/json' -d "$2" \
    | python3 -c "import json, sys; print(json.load(sys.stdin)[sys.argv[1]])" "$4"
}
MASTER="$(call /clients '{"name": "Fuzz"}' "" master_api_key)"
USER_KEY="$(call /users '{"email": "fuzz@example.com", "username": "fuzz"}' "$MASTER" scoped_api_key)"
OTHER="$(call /users '{"email": "other@example.com", "username": "other"}' "$MASTER" id)"
# Something to find: a room the user owns, with a message in it.
ROOM="$(call /rooms '{"name": "Fuzz room"}' "$USER_KEY" id)"
MESSAGE="$(call /messages "{\"room_id\": \"$ROOM\", \"content\": \"hello\"}" "$USER_KEY" id)"

# Random ids reach only the 404s: most of the time, each id of a request is one of
# these instead, so the requests reach the rules behind the lookup.
CONFIG="$WORK/schemathesis.toml"
cat >"$CONFIG" <<TOML
[dictionaries.rooms]
values = ["$ROOM"]
[dictionaries.messages]
values = ["$MESSAGE"]
[dictionaries.users]
values = ["$OTHER"]

[[operations]]
include-path-regex = "^/api/v1/rooms/[{]id[}]"
parameters = { "path.id" = { dictionary = "rooms", probability = 0.75 } }

[[operations]]
include-path-regex = "^/api/v1/messages/[{]id[}]"
parameters = { "path.id" = { dictionary = "messages", probability = 0.75 } }

[[operations]]
include-path-regex = "^/api/v1/users/[{]id[}]"
parameters = { "path.id" = { dictionary = "users", probability = 0.75 } }

[[operations]]
include-path = ["/api/v1/messages", "/api/v1/rooms/join", "/api/v1/rooms/leave"]
parameters = { "body.room_id" = { dictionary = "rooms", probability = 0.75 } }

[[operations]]
include-path = ["/api/v1/rooms/direct", "/api/v1/rooms/{id}/members"]
parameters = { "body.user_id" = { dictionary = "users", probability = 0.75 } }

[[operations]]
include-path = "/api/v1/rooms/{id}/members/{user_id}"
parameters = { "path.user_id" = { dictionary = "users", probability = 0.75 } }
TOML

CHECKS="${CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}"
# One run of schemathesis with the key $1, named $2; the remaining arguments filter.
fuzz() {
  local key="$1" name="$2"
  shift 2
  echo "==> schemathesis, $name"
  # From the work dir: schemathesis leaves a cache folder where it runs.
  (cd "$WORK" && "$VENV/bin/st" --no-color --config-file "$CONFIG" run "$URL/api/v1/openapi.json" --url "$URL" \
    -H "Authorization: Bearer $key" \
    --checks "$CHECKS" --seed "$SEED" --max-examples "$EXAMPLES" --workers 1 \
    --request-timeout 10 --generation-database none \
    --generation-with-security-parameters false --report junit --report-junit-path "$REPORTS/$name.xml" \
    "$@") | tee "$REPORTS/$name.st.log"
}

status=0
started=$SECONDS
# The scoped key first: the master key's run may log the user in again (rotating its
# key), revoke it or delete the user. The call that revokes the calling key runs after
# the others with that key, alone.
fuzz "$USER_KEY" scoped --exclude-operation-id logout_user || status=1
fuzz "$USER_KEY" scoped-logout --include-operation-id logout_user || status=1
fuzz "$MASTER" master --exclude-operation-id rotate_master_key || status=1
fuzz "$MASTER" master-rotate --include-operation-id rotate_master_key || status=1
echo "fuzz: schemathesis took $((SECONDS - started)) s"

# Every operation of the document was exercised (schemathesis fetches the document
# itself rather than fuzz it), and the size of the run.
curl -sf "$URL/api/v1/openapi.json" >"$WORK/openapi.json"
python3 - "$WORK/openapi.json" "$REPORTS" <<'PY' || status=1
import glob, json, sys, xml.etree.ElementTree as ET
document = json.load(open(sys.argv[1]))
documented = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
documented.discard("GET /api/v1/openapi.json")
tested, cases = set(), 0
for report in glob.glob(f"{sys.argv[2]}/*.xml"):
    tested |= {case.get("name") for case in ET.parse(report).iter("testcase")}
generated = 0
for log in glob.glob(f"{sys.argv[2]}/*.st.log"):
    for line in open(log):
        words = line.split()
        if len(words) > 1 and words[1].startswith("generated") and words[0].isdigit():
            generated += int(words[0])
print(f"fuzz: {len(tested & documented)} of {len(documented)} operations exercised, {generated} test cases")
missing = sorted(documented - tested)
if missing:
    print("fuzz: never exercised: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
PY

# The node's own errors (actix's parser also logs at ERROR the requests schemathesis
# sends to probe the server, such as a NUL byte in a header, and answers them 400).
if grep -q " ERROR chatapi" "$NODE_LOG"; then
  echo "fuzz: the node logged errors:" >&2
  grep " ERROR chatapi" "$NODE_LOG" | head -n 20 >&2
  status=1
fi
exit "$status"
