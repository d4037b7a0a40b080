#!/usr/bin/env bash
# Counts heap allocations (calls to malloc) per span for decode and for decode+translate, with
# callgrind's call counts: deterministic, unlike timings on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
swift build -c release --product genai-collector-bench >/dev/null
spans=${SPANS:-500}
dir=$(mktemp -d)
mallocs() {  # callgrind output file -> total calls into malloc
  # Function names are compressed: "(id) name" the first time, "(id)" after that.
  awk '/^c?fn=\(/ { id = $1; sub(/^c?fn=/, "", id); if (NF > 1) name[id] = $2 }
       /^cfn=/ { id = $1; sub(/^cfn=/, "", id); target = name[id] }
       /^calls=/ { if (target == "malloc") { split($1, a, "="); n += a[2] } }
       END { print n + 0 }' "$1"
}
run() {  # label, extra args
  valgrind --tool=callgrind --callgrind-out-file="$dir/a.out" .build/release/genai-collector-bench --spans "$spans" $2 1 >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$dir/b.out" .build/release/genai-collector-bench --spans "$spans" $2 3 >/dev/null 2>&1
  local a b
  a=$(mallocs "$dir/a.out"); b=$(mallocs "$dir/b.out")
  echo "$1: $(( (b - a) / 2 )) mallocs per request of $spans spans ($(awk -v d=$(( (b - a) / 2 )) -v s="$spans" 'BEGIN { printf "%.1f", d / s }') per span)"
}
run "decode" "--only-decode"
run "decode+translate" "--only-translate"
rm -rf "$dir"
