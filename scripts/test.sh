#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh machine. It installs and starts every real
# server the tests need on loopback (none yet: the codecs and translator tests are self-contained;
# the exporter issues add ClickHouse and S3 here), then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "swift is not installed (see README: Swift 6.2 or newer)"; exit 1; }
# The OTLP module links the system zlib for gzip bodies.
[ -f /usr/include/zlib.h ] || { apt-get update -qq && apt-get install -y -qq zlib1g-dev; }

# Build first so a compile error fails loudly instead of running a stale test binary.
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
