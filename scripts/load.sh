#!/usr/bin/env bash
# Load benchmark: LLM-shaped OTLP/HTTP (100 spans a request in 25 traces of four, fresh ids in every request) at the
# embedded default (pipelines/local.yaml, writing Langfuse events to files, which are counted after a
# graceful stop), at the gateway (pipelines/gateway.yaml into three local sinks), at the load-test pipeline (pipelines/load-test.yaml: memory_limiter → environment →
# batch → translate → debug sink), then at a minimal Python reference receiver that fully parses each request with upb and
# counts spans; same load, same machine, one run. The two alternate for ROUNDS rounds (default 3) so
# machine noise hits both alike. Prints spans/s, CPU s per 100k spans, peak RSS, p50/p99 latency, and
# the ratio per round and its median. A benchmark, not a test: it never fails on speed.
# BASELINE=/path/to/an/older/genai-collector adds that build's daemon to every round, on the same
# config and load, and prints this build's ratio to it (a regression check across commits).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-4}
py=$(scripts/python-otlp.sh)
swift build -c release --product genai-collector >/dev/null
swift build -c release --product genai-collector-load >/dev/null
bin=.build/release
repo=$PWD
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load generator on the same cores"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }

spans_per_s() { sed -n 's/.*: \([0-9]*\) spans\/s accepted.*/\1/p' | tail -1; }

run_collector() {  # label, extra load args
  ${daemon:-$bin/genai-collector} run --config pipelines/load-test.yaml > /dev/null 2>/tmp/genai-load.log &
  local pid=$!
  wait_port 14318
  $bin/genai-collector-load --port 14318 --pid $pid --seconds "$seconds" --connections "$connections" --label "$1" "${@:2}" | tee /tmp/genai-load-line.txt
  kill -TERM $pid; wait $pid || true
}

# The embedded default (pipelines/local.yaml: memory_limiter → environment → batch → file exporter
# writing Langfuse events), as a user runs it, from a fresh directory so its ./data is ours to count.
# After a graceful stop every accepted span must be an observation event in the files.
run_local() {  # label
  local dir pid ok observations
  dir=$(mktemp -d)
  local exe=${daemon:-$bin/genai-collector}
  [[ $exe == /* ]] || exe=$repo/$exe
  (cd "$dir" && GENAI_COLLECTOR_HOST=127.0.0.1 exec "$exe" run --config "$repo/pipelines/local.yaml") > /dev/null 2>/tmp/genai-load-local.log &
  pid=$!
  wait_port 4318
  $bin/genai-collector-load --port 4318 --pid $pid --seconds "$seconds" --connections "$connections" --label "$1" | tee /tmp/genai-load-line.txt
  kill -TERM $pid; wait $pid || true
  ok=$(sed -n 's/.*(\([0-9]*\) ok,.*/\1/p' /tmp/genai-load-line.txt | tail -1)
  observations=$(cat "$dir"/data/*.jsonl 2>/dev/null | grep -vc '"type":"trace-create","body"' || true)
  echo "  in the files after a graceful stop: ${observations:-0} observation events for $((ok * 100)) accepted spans$([ "${observations:-0}" -eq $((ok * 100)) ] && echo ", all of them" || echo ": MISSING $((ok * 100 - ${observations:-0}))")"
  rm -rf "$dir"
}

# The gateway (pipelines/gateway.yaml as shipped: bearer token, memory_limiter → redaction →
# environment → cost_inference → batch → ClickHouse, S3 and Langfuse, each with its disk queue),
# its three sinks played by one bare HTTP server (`genai-collector-load --sink`) that reads each
# request and answers 200, so the collector is what is measured. Its disk queues accept faster than
# the sinks drain, so after the load it waits until every exporter has sent every accepted span and
# reports that time too: accepted spans over load plus drain time is the rate it sustains. S3
# objects close after 2 s instead of 60 (S3_MAX_OBJECT_AGE), so the drain is not a wait for a timer.
sink_port=14400
run_gateway() {  # label
  local dir pid ok accepted t0 drained sent metrics exporter
  dir=$(mktemp -d)
  printf 'bench-otlp-token' > "$dir/otlp-token"
  printf 'bench-metrics-token' > "$dir/metrics-token"
  CLICKHOUSE_URL=http://127.0.0.1:$sink_port LANGFUSE_PROJECT_ID=bench \
    S3_ENDPOINT=http://127.0.0.1:$sink_port S3_BUCKET=bench S3_FORCE_PATH_STYLE=true \
    AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret S3_MAX_OBJECT_AGE=2s \
    LANGFUSE_HOST=http://127.0.0.1:$sink_port LANGFUSE_PUBLIC_KEY=pk-lf-bench LANGFUSE_SECRET_KEY=sk-lf-bench \
    GENAI_COLLECTOR_TOKEN_FILE=$dir/otlp-token GENAI_COLLECTOR_METRICS_TOKEN_FILE=$dir/metrics-token \
    GENAI_COLLECTOR_STORAGE=$dir/queue GATEWAY_HTTP_ENDPOINT=127.0.0.1:14418 GATEWAY_GRPC_ENDPOINT=127.0.0.1:14417 \
    GATEWAY_HEALTH_ENDPOINT=127.0.0.1:14433 GATEWAY_METRICS_ENDPOINT=127.0.0.1:14488 \
    "${daemon:-$bin/genai-collector}" run --config pipelines/gateway.yaml > /dev/null 2>/tmp/genai-load-gateway.log &
  pid=$!
  wait_port 14418
  $bin/genai-collector-load --port 14418 --pid $pid --seconds "$seconds" --connections "$connections" \
    --header "Authorization: Bearer bench-otlp-token" --label "$1" | tee /tmp/genai-load-line.txt
  ok=$(sed -n 's/.*(\([0-9]*\) ok,.*/\1/p' /tmp/genai-load-line.txt | tail -1)
  accepted=$((ok * 100))
  t0=$(date +%s.%N)
  drained=
  for _ in $(seq 1200); do
    metrics=$(curl -s -H "Authorization: Bearer bench-metrics-token" http://127.0.0.1:14488/metrics)
    drained=yes
    for exporter in clickhouse s3 langfuse; do
      sent=$(awk -v e="exporter=\"$exporter\"" 'index($0, "otelcol_exporter_sent_spans_total{") == 1 && index($0, e) { n += $2 } END { print n + 0 }' <<< "$metrics")
      [ "$sent" -ge "$accepted" ] || drained=
    done
    [ -n "$drained" ] && break
    sleep 0.1
  done
  echo "  sent by each of clickhouse, s3 and langfuse: $([ -n "$drained" ] && echo "all $accepted accepted spans" || echo "NOT all of $accepted within 120 s"), $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the load; sustained $(awk -v n="$accepted" -v s="$seconds" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", n / (s + b - a) }') spans/s"
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir"
}

run_reference() {
  PYTHONPATH="$py" python3 scripts/reference_receiver.py 14319 &
  local ref=$!
  wait_port 14319
  $bin/genai-collector-load --port 14319 --pid $ref --seconds "$seconds" --connections "$connections" --label "python upb reference, max rate" | tee /tmp/genai-load-line.txt
  kill $ref; wait $ref 2>/dev/null || true
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Runs one runner with this build, then (with BASELINE) with the baseline; sets ours and base.
measure_pair() {  # runner, label, baseline label
  "$1" "$2"
  ours=$(spans_per_s < /tmp/genai-load-line.txt)
  base=
  if [ -n "${BASELINE:-}" ]; then
    daemon=$BASELINE "$1" "$3"
    base=$(spans_per_s < /tmp/genai-load-line.txt)
  fi
}

$bin/genai-collector-load --sink $sink_port &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
wait_port $sink_port

ratios=()
local_ratios=()
gateway_ratios=()
baseline_gateway_ratios=()
baseline_ratios=()
baseline_local_ratios=()
for round in $(seq "$rounds"); do
  measure_pair run_local "genai-collector embedded default (local.yaml, file exporter), HTTP, max rate (round $round)" \
    "baseline ${BASELINE:-} embedded default, HTTP, max rate (round $round)"
  ours_local=$ours
  [ -z "$base" ] || baseline_local_ratios+=("$(ratio "$ours" "$base")")
  measure_pair run_gateway "genai-collector gateway (gateway.yaml, three sinks), HTTP, max rate (round $round)" \
    "baseline ${BASELINE:-} gateway, HTTP, max rate (round $round)"
  ours_gateway=$ours
  [ -z "$base" ] || baseline_gateway_ratios+=("$(ratio "$ours" "$base")")
  measure_pair run_collector "genai-collector HTTP, max rate (round $round)" "baseline ${BASELINE:-}, max rate (round $round)"
  [ -z "$base" ] || baseline_ratios+=("$(ratio "$ours" "$base")")
  run_reference
  theirs=$(spans_per_s < /tmp/genai-load-line.txt)
  ratios+=("$(ratio "$ours" "$theirs")")
  local_ratios+=("$(ratio "$ours_local" "$theirs")")
  gateway_ratios+=("$(ratio "$ours_gateway" "$theirs")")
done
echo "ratio embedded default (local.yaml) / python upb reference (spans/s, HTTP, max rate), per round: ${local_ratios[*]}; median $(median "${local_ratios[@]}")  (goal >= 1.0)"
echo "ratio gateway (gateway.yaml, accepted) / python upb reference (spans/s, HTTP, max rate), per round: ${gateway_ratios[*]}; median $(median "${gateway_ratios[@]}")"
echo "ratio genai-collector / python upb reference (spans/s, HTTP, max rate), per round: ${ratios[*]}; median $(median "${ratios[@]}")"
if [ -n "${BASELINE:-}" ]; then
  echo "ratio this build / baseline (spans/s, HTTP, max rate), per round: ${baseline_ratios[*]}; median $(median "${baseline_ratios[@]}")"
  echo "ratio this build / baseline, embedded default (spans/s, HTTP, max rate), per round: ${baseline_local_ratios[*]}; median $(median "${baseline_local_ratios[@]}")"
  echo "ratio this build / baseline, gateway (spans/s, HTTP, max rate), per round: ${baseline_gateway_ratios[*]}; median $(median "${baseline_gateway_ratios[@]}")"
fi

run_collector "genai-collector, 10k spans/s" --rate 10000

# OTLP/gRPC with h2load (Debian's nghttp2-client) and one pre-framed request; h2load judges only the
# HTTP status, so accepted spans come from the daemon's own counters.
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
$bin/genai-collector-load --write-grpc-body /tmp/genai-grpc-body.bin --spans 100
$bin/genai-collector run --config pipelines/load-test.yaml > /dev/null 2>/tmp/genai-load.log &
pid=$!
wait_port 14317
ticks=$(getconf CLK_TCK)
cpu_before=$(awk '{print $14 + $15}' /proc/$pid/stat)
h2load -D "$seconds" -c "$connections" -m 4 -H 'content-type: application/grpc' -H 'te: trailers' \
  -d /tmp/genai-grpc-body.bin http://127.0.0.1:14317/opentelemetry.proto.collector.trace.v1.TraceService/Export > /tmp/genai-h2load.txt
cpu_after=$(awk '{print $14 + $15}' /proc/$pid/stat)
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
accepted=$(curl -s localhost:18888/metrics | awk '/otelcol_receiver_accepted_spans_total\{receiver="otlp",transport="grpc"\}/ {print $2}')
mean=$(awk '/time for request:/ {print $6}' /tmp/genai-h2load.txt)
kill -TERM $pid; wait $pid || true
awk -v a="${accepted:-0}" -v s="$seconds" -v c0="$cpu_before" -v c1="$cpu_after" -v t="$ticks" -v r="$rss_kb" -v m="$mean" 'BEGIN {
  printf "genai-collector gRPC (h2load, same request replayed), max rate: %.0f spans/s accepted, mean request time %s, %.2f CPU s per 100k spans, peak RSS %.1f MiB\n",
    a / s, m, (a > 0 ? (c1 - c0) / t / a * 100000 : 0), r / 1024 }'

