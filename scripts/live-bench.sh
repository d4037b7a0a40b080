#!/usr/bin/env bash
# The live view's cost on the pipeline users run: the embedded default (pipelines/local.yaml, whose
# live view is on, with a browser's poll of /ui/api/summary every 3 s) beside the same config with
# the view turned off (service.telemetry.ui.enabled: false), alternating for ROUNDS rounds (default
# 3), same LLM-shaped load at max rate, same machine. Prints spans/s and CPU per 100k spans per
# round, and the ratios' medians. A benchmark, not a test: it never fails on speed. The view's own
# cost per span, apart from the noise of a whole run, is `genai-collector-bench --live-view`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-4}
swift build -c release --product genai-collector >/dev/null
swift build -c release --product genai-collector-load >/dev/null
bin=$PWD/.build/release
work=$(mktemp -d)
trap 'rm -rf "$work"; kill $(jobs -p) 2>/dev/null || true' EXIT
printf 'service:\n  telemetry:\n    ui: {enabled: false}\n' > "$work/no-ui.yaml"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load generator on the same cores"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
field() { sed -n "s#.*$1.*#\\1#p" /tmp/genai-live-line.txt | tail -1; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run() {  # label, config files...
  local label=$1 dir pid poller args=()
  shift
  for c in "$@"; do args+=(--config "$c"); done
  dir=$(mktemp -d)
  (cd "$dir" && GENAI_COLLECTOR_HOST=127.0.0.1 exec "$bin/genai-collector" run "${args[@]}") > /dev/null 2>"$work/collector.log" &
  pid=$!
  wait_port 4318
  # A browser on the page: the summary every 3 s (a 404 when the view is off, as cheap as any 404).
  ( while sleep 3; do curl -s -o /dev/null http://127.0.0.1:8888/ui/api/summary || true; done ) &
  poller=$!
  $bin/genai-collector-load --port 4318 --pid $pid --seconds "$seconds" --connections "$connections" --label "$label" | tee /tmp/genai-live-line.txt
  kill $poller 2>/dev/null || true
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir"
}

ratios=()
cpu_ratios=()
for round in $(seq "$rounds"); do
  run "local.yaml, live view on (round $round)" "$PWD/pipelines/local.yaml"
  on=$(field ': \([0-9]*\) spans/s accepted')
  on_cpu=$(field ', \([0-9.]*\) CPU s per 100k')
  run "local.yaml, live view off (round $round)" "$PWD/pipelines/local.yaml" "$work/no-ui.yaml"
  off=$(field ': \([0-9]*\) spans/s accepted')
  off_cpu=$(field ', \([0-9.]*\) CPU s per 100k')
  ratios+=("$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')")
  cpu_ratios+=("$(awk -v a="$on_cpu" -v b="$off_cpu" 'BEGIN { printf "%.3f", a / b }')")
done
echo "spans/s with the live view / without, per round: ${ratios[*]}; median $(median "${ratios[@]}")"
echo "CPU per span with the live view / without, per round: ${cpu_ratios[*]}; median $(median "${cpu_ratios[@]}")"
