#!/usr/bin/env bash
# Redaction speed and recall, side by side: the redaction processor's default detector set
# (genai-collector-bench --redaction, one core, release build) and presidio-analyzer's pattern
# recognizers, on the same seeded corpus of LLM-prompt-shaped texts (scripts/redaction-corpus.py).
# Prints MB/s and recall for each and the speed ratio. A benchmark: it never fails on speed.
#   MB=4 SEED=7 scripts/redaction-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${MB:-4}
seed=${SEED:-7}
python3 -m pip install -q --disable-pip-version-check faker==40.63.0 presidio-analyzer==2.2.366
corpus=/tmp/genai-redaction-corpus-$seed-$mb.jsonl
python3 scripts/redaction-corpus.py speed --seed "$seed" --mb "$mb" --out "$corpus"
swift build -c release --product genai-collector-bench >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
ours=$(taskset -c 0 .build/release/genai-collector-bench --redaction "$corpus" --seconds 5 | tee /dev/stderr | sed -n 's/.*redaction: \([0-9.]*\) MB\/s.*/\1/p')
theirs=$(taskset -c 0 python3 scripts/presidio_bench.py "$corpus" | tee /dev/stderr | sed -n 's/.*recognizers: \([0-9.]*\) MB\/s.*/\1/p')
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio genai-collector / presidio (MB/s, one core): %.0f (target >= 50); genai-collector %.1f MB/s (target >= 200)\n", a / b, a }'
# Findings in disguise (zero-width characters, compatibility forms, escapes, base64, IDN, splits):
# the share removed per kind of disguise, through the same path.
disguised=/tmp/genai-redaction-disguised-$seed.jsonl
python3 scripts/redaction-corpus.py disguised --seed "$seed" --out "$disguised"
.build/release/genai-collector-bench --disguised "$disguised"
