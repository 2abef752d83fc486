#!/usr/bin/env bash
# Runs every scenario of BENCHMARKS.md three times and prints the median of its
# headline figures, one line per scenario (raw outputs are kept in $OUT).
#
#   cargo build --release --workspace
#   loadtest/benchmarks.sh                 # the server in target/release
#   CHATAPI_BIN=/path/to/other/chatapi loadtest/benchmarks.sh rest-redis login-redis
#
# Scenarios run one after the other, so each has the machine to itself; run nothing
# else meanwhile. Every run must end `result: clean`, or the script stops.
set -euo pipefail
cd "$(dirname "$0")/.."
LOADTEST=${LOADTEST:-target/release/loadtest}
OUT=${OUT:-$(mktemp -d /tmp/chatapi-benchmarks.XXXXXX)}
RUNS=${RUNS:-3}
mkdir -p "$OUT"

# name | arguments | figures (JSON keys, or `text:<regex>` capturing a number)
SCENARIOS=(
  "rest-redis|rest --redis --json|requests_per_sec latency_p99_ms server_cpu_per_request_us"
  "rest-redis-100-rooms|rest --redis --rooms 100 --json|requests_per_sec latency_p99_ms server_cpu_per_request_us"
  "rest-memory|rest --json|requests_per_sec latency_p99_ms server_cpu_per_request_us"
  "login-redis|login --redis --json|requests_per_sec latency_p99_ms server_cpu_per_request_us"
  "get-redis|get --redis --json|requests_per_sec latency_p99_ms server_cpu_per_request_us"
  "bigroom|bigroom --json|connects_per_sec rss_per_connection_kib delivery_latency_p99_ms server_cpu_per_delivery_us"
  "rooms|rooms --json|deliveries_per_sec delivery_latency_p99_ms out_of_order deliveries_missing"
  "fanout-100|fanout --rate 100 --messages 500|text:= ([0-9.]+) deliveries/s text:latency: p50=([0-9.]+) text:p99=([0-9.]+) text:([0-9.]+) µs per delivery"
  "fanout-1600|fanout --rate 1600 --messages 3200 --in-flight 64|text:= ([0-9.]+) deliveries/s text:latency: p50=([0-9.]+) text:p99=([0-9.]+) text:([0-9.]+) µs per delivery"
  "fanout-max|fanout --rate 0 --messages 1000|text:= ([0-9.]+) deliveries/s text:latency: p50=([0-9.]+) text:p99=([0-9.]+) text:([0-9.]+) µs per delivery"
  "fanout-redis-100|fanout --redis --rate 100 --messages 500|text:= ([0-9.]+) deliveries/s text:latency: p50=([0-9.]+) text:p99=([0-9.]+) text:([0-9.]+) µs per delivery"
  "crossnode-100|crossnode --rate 100 --messages 500|text:= ([0-9.]+) deliveries/s text:latency: p50=([0-9.]+) text:p99=([0-9.]+) text:([0-9.]+) µs per delivery"
  "revoke|revoke|text:login request: p50=([0-9.]+) text:login request: p50=[0-9.]+ ms p99=([0-9.]+) text:login request: .*max=([0-9.]+) text:contract: ([0-9]+) of"
)

wanted=("$@")
for entry in "${SCENARIOS[@]}"; do
  IFS='|' read -r name args figures <<<"$entry"
  if ((${#wanted[@]})) && [[ ! " ${wanted[*]} " == *" $name "* ]]; then
    continue
  fi
  for run in $(seq "$RUNS"); do
    # shellcheck disable=SC2086 # the arguments are words
    if ! "$LOADTEST" $args >"$OUT/$name.$run" 2>"$OUT/$name.$run.err"; then
      echo "$name run $run was not clean: see $OUT/$name.$run" >&2
      exit 1
    fi
  done
  python3 - "$OUT" "$name" "$RUNS" "$figures" <<'PY'
import json, re, statistics, sys
out, name, runs, figures = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = [open(f"{out}/{name}.{run}").read() for run in range(1, runs + 1)]
shown = []
for figure in re.findall(r"text:.*?(?= text:|$)|[a-z_0-9]+", figures):
    values = []
    for text in texts:
        if figure.startswith("text:"):
            found = re.search(figure[5:], text)
            values.append(float(found.group(1)) if found else float("nan"))
        else:
            values.append(float(json.loads(text)["figures"][figure]))
    label = figure if not figure.startswith("text:") else figure[5:]
    shown.append(f"{label} = {statistics.median(values):g} (runs: {', '.join(f'{v:g}' for v in values)})")
print(f"{name}: " + "; ".join(shown))
PY
done
echo "raw outputs: $OUT"
