# Sourced by the side-by-side benchmarks of the embedded default (join-bench.sh, live-bench.sh): two
# configs of the daemon, alternating for ROUNDS rounds (default 3), each under the same LLM-shaped
# load at max rate for SECONDS_PER_RUN seconds (default 10) from CONNECTIONS posters (default 4), on
# the same machine. `ab` prints each run's line, then the ratios of spans/s and CPU per span (first
# config over second) per round and their medians. A benchmark, not a test: it never fails on speed.
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
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load generator on the same cores"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { sed -n "s#.*$1.*#\\1#p" "$work/line.txt" | tail -1; }

# One run: `run LABEL CONFIG...`. With POLL_URL set, a browser's poll of it every 3 s meanwhile.
run() {
  local label=$1 dir pid poller="" args=()
  shift
  for c in "$@"; do args+=(--config "$c"); done
  dir=$(mktemp -d)
  (cd "$dir" && GENAI_COLLECTOR_HOST=127.0.0.1 exec "$bin/genai-collector" run "${args[@]}") > /dev/null 2>"$work/collector.log" &
  pid=$!
  wait_port 4318
  if [ -n "${POLL_URL:-}" ]; then
    ( while sleep 3; do curl -s -o /dev/null "$POLL_URL" || true; done ) &
    poller=$!
  fi
  $bin/genai-collector-load --port 4318 --pid $pid --seconds "$seconds" --connections "$connections" --label "$label" | tee "$work/line.txt"
  [ -n "$poller" ] && kill "$poller" 2>/dev/null || true
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir"
}

# `ab WHAT_A WHAT_B`, with the arrays configs_a and configs_b set by the caller.
ab() {
  local ratios=() cpu_ratios=() a a_cpu b b_cpu
  for round in $(seq "$rounds"); do
    run "$1 (round $round)" "${configs_a[@]}"
    a=$(field ': \([0-9]*\) spans/s accepted'); a_cpu=$(field ', \([0-9.]*\) CPU s per 100k')
    run "$2 (round $round)" "${configs_b[@]}"
    b=$(field ': \([0-9]*\) spans/s accepted'); b_cpu=$(field ', \([0-9.]*\) CPU s per 100k')
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
    cpu_ratios+=("$(awk -v a="$a_cpu" -v b="$b_cpu" 'BEGIN { printf "%.3f", a / b }')")
  done
  echo "spans/s $1 / $2, per round: ${ratios[*]}; median $(median "${ratios[@]}")"
  echo "CPU per span $1 / $2, per round: ${cpu_ratios[*]}; median $(median "${cpu_ratios[@]}")"
}
