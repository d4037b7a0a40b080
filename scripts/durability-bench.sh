#!/usr/bin/env bash
# Persistent-queue benchmark: the load benchmark's pipeline (pipelines/load-test.yaml, debug sink) at
# its maximum OTLP/HTTP rate, with the exporter's queue in memory and on disk under each fsync policy
# (never, batch — group commit, back to back — and always), alternating for ROUNDS rounds (default 3) so machine noise hits
# all alike. Prints spans/s per run and each policy's ratio to the in-memory queue per round and its
# median. A benchmark, not a test: it never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_RUN:-8}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-4}
queue_dir=${QUEUE_DIR:-$(mktemp -d /tmp/genai-durability-XXXXXX)}
swift build -c release --product genai-collector >/dev/null
swift build -c release --product genai-collector-load >/dev/null
bin=.build/release
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); queue on $(df -T "$queue_dir" | awk 'NR==2 {print $2}') ($queue_dir); load generator on the same cores"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
spans_per_s() { sed -n 's/.*: \([0-9]*\) spans\/s accepted.*/\1/p' | tail -1; }

run() {  # mode: memory | never | batch | always
  local extra=()
  if [ "$1" != memory ]; then
    rm -rf "$queue_dir/q"
    extra=(--config "yaml:exporters: {debug: {sending_queue: {storage: disk, directory: \"$queue_dir/q\", fsync: $1}}}")
  fi
  $bin/genai-collector run --config pipelines/load-test.yaml "${extra[@]}" > /dev/null 2>/tmp/genai-durability.log &
  local pid=$!
  wait_port 14318
  $bin/genai-collector-load --port 14318 --pid $pid --seconds "$seconds" --connections "$connections" --label "queue: $1" | tee /tmp/genai-durability-line.txt
  kill -TERM $pid; wait $pid || true
}

declare -A ratios
for round in $(seq "$rounds"); do
  run memory; base=$(spans_per_s < /tmp/genai-durability-line.txt)
  for mode in never batch always; do
    run "$mode"; rate=$(spans_per_s < /tmp/genai-durability-line.txt)
    ratios[$mode]+="$(awk -v a="$rate" -v b="$base" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }') "
  done
done
for mode in never batch always; do
  set -- ${ratios[$mode]}
  echo "ratio disk (fsync: $mode) / memory, per round: $*; median $(printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
done
rm -rf "$queue_dir"
