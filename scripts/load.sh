#!/usr/bin/env bash
# Load benchmark: LLM-shaped OTLP/HTTP (100 spans a request, fresh ids in every request) at the
# embedded default (pipelines/local.yaml, writing Langfuse events to files, which are counted after a
# graceful stop), at the load-test pipeline (pipelines/load-test.yaml: memory_limiter → environment →
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

ratios=()
local_ratios=()
baseline_ratios=()
baseline_local_ratios=()
for round in $(seq "$rounds"); do
  measure_pair run_local "genai-collector embedded default (local.yaml, file exporter), HTTP, max rate (round $round)" \
    "baseline ${BASELINE:-} embedded default, HTTP, max rate (round $round)"
  ours_local=$ours
  [ -z "$base" ] || baseline_local_ratios+=("$(ratio "$ours" "$base")")
  measure_pair run_collector "genai-collector HTTP, max rate (round $round)" "baseline ${BASELINE:-}, max rate (round $round)"
  [ -z "$base" ] || baseline_ratios+=("$(ratio "$ours" "$base")")
  run_reference
  theirs=$(spans_per_s < /tmp/genai-load-line.txt)
  ratios+=("$(ratio "$ours" "$theirs")")
  local_ratios+=("$(ratio "$ours_local" "$theirs")")
done
echo "ratio embedded default (local.yaml) / python upb reference (spans/s, HTTP, max rate), per round: ${local_ratios[*]}; median $(median "${local_ratios[@]}")  (goal >= 1.0)"
echo "ratio genai-collector / python upb reference (spans/s, HTTP, max rate), per round: ${ratios[*]}; median $(median "${ratios[@]}")"
if [ -n "${BASELINE:-}" ]; then
  echo "ratio this build / baseline (spans/s, HTTP, max rate), per round: ${baseline_ratios[*]}; median $(median "${baseline_ratios[@]}")"
  echo "ratio this build / baseline, embedded default (spans/s, HTTP, max rate), per round: ${baseline_local_ratios[*]}; median $(median "${baseline_local_ratios[@]}")"
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

