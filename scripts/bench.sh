#!/usr/bin/env bash
# Decode and translate benchmark, side by side with Python's upb parser on the same bytes.
# Pinned to one core. Prints figures; it is not a test and never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.build/bench-python
command -v protoc >/dev/null || apt-get install -y protobuf-compiler
python3 -c "import google.protobuf" 2>/dev/null || pip install -q protobuf
mkdir -p "$py"
(cd proto && protoc --python_out="../$py" \
  opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto \
  opentelemetry/proto/trace/v1/trace.proto opentelemetry/proto/collector/trace/v1/trace_service.proto)
for d in opentelemetry opentelemetry/proto opentelemetry/proto/common opentelemetry/proto/common/v1 \
  opentelemetry/proto/resource opentelemetry/proto/resource/v1 opentelemetry/proto/trace opentelemetry/proto/trace/v1 \
  opentelemetry/proto/collector opentelemetry/proto/collector/trace opentelemetry/proto/collector/trace/v1; do
  touch "$py/$d/__init__.py"
done
cp scripts/upb_parse.py "$py/"
swift build -c release --product genai-collector-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Swift $(swift --version 2>&1 | grep -o 'version [0-9.]*' | head -1)"
taskset -c 0 .build/release/genai-collector-bench --python "$PWD/$py" "$@"
