#!/usr/bin/env bash
# Decode and translate benchmark, side by side with Python's upb parser on the same bytes.
# Pinned to one core. Prints figures; it is not a test and never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/python-otlp.sh)
cp scripts/upb_parse.py "$py/"
swift build -c release --product genai-collector-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Swift $(swift --version 2>&1 | grep -o 'version [0-9.]*' | head -1)"
taskset -c 0 .build/release/genai-collector-bench --python "$py" "$@"
