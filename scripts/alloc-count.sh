#!/usr/bin/env bash
# Allocation and instruction budgets per span, from callgrind: deterministic, unlike timings on a
# shared machine. Each stage runs twice in the release bench binary, for 1 and for 3 rounds of one
# request of SPANS (500) LLM-shaped spans; the difference of the two runs is two rounds of that
# stage's work alone (set-up, decoding and translating the input of an encoder, cancel out).
# decode is decoding; translate is decode+translate minus decode; each encoder runs on records
# translated beforehand. Prints calls into malloc and instructions executed (Ir), per span.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
swift build -c release --product genai-collector-bench >/dev/null
spans=${SPANS:-500}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Valgrind 3.19 (Debian 12) gives up on the DWARF 5 the Swift toolchain writes; symbols suffice.
objcopy --strip-debug .build/release/genai-collector-bench "$dir/bench"
mallocs() {  # callgrind output file -> total calls into malloc
  # Function names are compressed: "(id) name" the first time, "(id)" after that.
  awk '/^c?fn=\(/ { id = $1; sub(/^c?fn=/, "", id); if (NF > 1) name[id] = $2 }
       /^cfn=/ { id = $1; sub(/^cfn=/, "", id); target = name[id] }
       /^calls=/ { if (target == "malloc") { split($1, a, "="); n += a[2] } }
       END { print n + 0 }' "$1"
}
instructions() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
# Sets m and i: mallocs and instructions of two rounds of the stage named by the bench arguments.
measure() {  # bench arguments before the round count
  valgrind --tool=callgrind --callgrind-out-file="$dir/a.out" "$dir/bench" --spans "$spans" "$@" 1 >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$dir/b.out" "$dir/bench" --spans "$spans" "$@" 3 >/dev/null 2>&1
  m=$(( $(mallocs "$dir/b.out") - $(mallocs "$dir/a.out") ))
  i=$(( $(instructions "$dir/b.out") - $(instructions "$dir/a.out") ))
}
report() {  # label, mallocs of two rounds, instructions of two rounds
  awk -v l="$1" -v m="$2" -v i="$3" -v s="$spans" 'BEGIN {
    printf "%-34s %8.2f mallocs per span  %9.0f instructions per span\n", l, m / 2 / s, i / 2 / s }'
}
echo "request: $spans LLM-shaped spans; callgrind, rounds 3 minus rounds 1, halved"
measure --only-decode; dm=$m; di=$i
report "decode" "$dm" "$di"
measure --only-translate
report "translate (without decode)" "$((m - dm))" "$((i - di))"
for encoder in "ingestion events" "ClickHouse v3 rows" "ClickHouse v4 events rows" "OTLP/JSON" "OTLP protobuf"; do
  measure --only-encode "$encoder"
  report "encode: $encoder" "$m" "$i"
done
