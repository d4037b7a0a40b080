#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh machine. It installs what the tests need — the real
# OpenTelemetry Python clients the end-to-end tests drive against the daemon on loopback — then runs
# `swift test`. The real servers (chDB behind its HTTP front, moto S3, the Langfuse contract server)
# are Python packages from Tests/requirements.txt; each test starts its own on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "swift is not installed (see README: Swift 6.2 or newer)"; exit 1; }
# Debian packages the build and the tests use, installed when missing: the system zlib (gzip bodies),
# the zstd tool (zstd test bodies), curl and openssl (clients and certificates in the end-to-end
# tests), and venv (Debian's Python refuses `pip install` outside a virtual environment, PEP 668).
missing=()
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v zstd >/dev/null || missing+=(zstd)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

# The Python packages go into the project's own virtual environment, first on PATH, so every
# `python3` the tests start (clients, servers, references) is that one.
venv=.build/test-venv
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/python3" -m pip install -q --disable-pip-version-check -r Tests/requirements.txt
export PATH="$PWD/$venv/bin:$PATH"

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
