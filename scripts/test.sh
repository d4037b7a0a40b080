#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh machine. It installs what the tests need — the real
# OpenTelemetry Python clients the end-to-end tests drive against the daemon on loopback — then runs
# `swift test`. The real servers (chDB behind its HTTP front, moto S3, the Langfuse contract server)
# are Python packages from Tests/requirements.txt; each test starts its own on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "swift is not installed (see README: Swift 6.2 or newer)"; exit 1; }
# The OTLP module links the system zlib for gzip bodies.
[ -f /usr/include/zlib.h ] || { apt-get update -qq && apt-get install -y -qq zlib1g-dev; }
# zstd bodies: the receiver loads libzstd at run time; the tests compress with the zstd tool.
command -v zstd >/dev/null || { apt-get update -qq && apt-get install -y -qq zstd; }

python3 -m pip install -q --disable-pip-version-check -r Tests/requirements.txt

# Build first so a compile error fails loudly instead of running a stale test binary.
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
