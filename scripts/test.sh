#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh machine. It installs what the tests need — the real
# OpenTelemetry Python clients the end-to-end tests drive against the daemon on loopback — then runs
# `swift test`. The real servers (chDB behind its HTTP front, moto S3, the Langfuse contract server)
# are Python packages from Tests/requirements.txt; each test starts its own on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "swift is not installed (see README: Swift 6.2 or newer)"; exit 1; }
source scripts/test-env.sh

# Build first so a compile error fails loudly instead of running a stale test binary.
swift build --build-tests
# The tests run in a process group of their own; whatever they started (collectors, Python servers)
# is in it too, and is killed when the run ends however it ends, so a crashed run leaves no orphans.
set -m
swift test --skip-build --disable-xctest "$@" &
tests=$!
trap 'kill -KILL -- -"$tests" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
wait "$tests"
