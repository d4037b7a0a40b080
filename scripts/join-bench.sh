#!/usr/bin/env bash
# The log join's cost on ordinary traffic: the embedded default (pipelines/local.yaml, whose traces
# pipeline now holds log_join) beside the same config with the join taken out (traces only, as it
# was), alternating for ROUNDS rounds (default 3), same LLM-shaped load at max rate (spans of a scope
# that does not log its content, so they pass the join), same machine. Prints spans/s and CPU per
# 100k spans per round, and the ratio's median. A benchmark, not a test: it never fails on speed.
# What the join costs where it works (spans that wait, records that come) is
# `genai-collector-bench --log-join`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-4}
swift build -c release --product genai-collector >/dev/null
swift build -c release --product genai-collector-load >/dev/null
bin=$PWD/.build/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Traces only: the join, and the logs and metrics pipelines, removed.
python3 - "$work/traces-only.yaml" <<'PY'
import re, sys
s = open("pipelines/local.yaml").read()
s = s.replace("  log_join: {}\n", "").replace("log_join, ", "")
s = re.sub(r"    logs:\n(      .*\n)+", "", s)
s = re.sub(r"    metrics:\n(      .*\n)+", "", s)
open(sys.argv[1], "w").write(s)
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load generator on the same cores"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
field() { sed -n "s#.*$1.*#\\1#p" /tmp/genai-join-line.txt | tail -1; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run() {  # config, label
  local dir pid
  dir=$(mktemp -d)
  (cd "$dir" && GENAI_COLLECTOR_HOST=127.0.0.1 exec "$bin/genai-collector" run --config "$1") > /dev/null 2>"$work/collector.log" &
  pid=$!
  wait_port 4318
  $bin/genai-collector-load --port 4318 --pid $pid --seconds "$seconds" --connections "$connections" --label "$2" | tee /tmp/genai-join-line.txt
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir"
}

ratios=()
cpu_ratios=()
for round in $(seq "$rounds"); do
  run "$PWD/pipelines/local.yaml" "local.yaml with log_join (round $round)"
  joined=$(field ': \([0-9]*\) spans/s accepted')
  joined_cpu=$(field ', \([0-9.]*\) CPU s per 100k')
  run "$work/traces-only.yaml" "local.yaml traces only, no join (round $round)"
  plain=$(field ': \([0-9]*\) spans/s accepted')
  plain_cpu=$(field ', \([0-9.]*\) CPU s per 100k')
  ratios+=("$(awk -v a="$joined" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')")
  cpu_ratios+=("$(awk -v a="$joined_cpu" -v b="$plain_cpu" 'BEGIN { printf "%.3f", a / b }')")
done
echo "spans/s with the join / traces only, per round: ${ratios[*]}; median $(median "${ratios[@]}")"
echo "CPU per span with the join / traces only, per round: ${cpu_ratios[*]}; median $(median "${cpu_ratios[@]}")"
