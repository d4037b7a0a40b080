#!/usr/bin/env bash
# Generates the OTLP Python modules from proto/ into .build/bench-python (for the benchmarks'
# Python references) and installs protoc and protobuf if missing. Prints the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.build/bench-python
command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; } >&2
python3 -c "import google.protobuf" 2>/dev/null || python3 -m pip install -q protobuf >&2
mkdir -p "$py"
(cd proto && protoc --python_out="../$py" \
  opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto \
  opentelemetry/proto/trace/v1/trace.proto opentelemetry/proto/collector/trace/v1/trace_service.proto)
find "$py/opentelemetry" -type d -exec touch {}/__init__.py \;
echo "$PWD/$py"
