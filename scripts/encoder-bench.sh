#!/usr/bin/env bash
# The JSON encoders on one core against Python's orjson writing the same documents, in alternating
# rounds. Prints figures; it is not a test and never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/bench-venv
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/python3" -c "import orjson" 2>/dev/null || "$venv/bin/python3" -m pip install -q --disable-pip-version-check orjson
swift build -c release --product genai-collector-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), orjson $("$venv/bin/python3" -c 'import orjson; print(orjson.__version__)')"
PATH="$PWD/$venv/bin:$PATH" taskset -c 0 .build/release/genai-collector-bench --encoders --python scripts/orjson_encode.py "$@"
