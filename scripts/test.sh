#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh machine. It installs what the tests need — the real
# OpenTelemetry Python clients the end-to-end tests drive against the daemon on loopback — then runs
# `swift test`. The real servers (chDB behind its HTTP front, moto S3, the Langfuse contract server)
# are Python packages from Tests/requirements.txt; each test starts its own on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "swift is not installed (see README: Swift 6.2 or newer)"; exit 1; }
source scripts/test-env.sh

# Layout first (seconds): code that scripts/format.sh would change fails the run.
scripts/format.sh --check
# Build first so a compile error fails loudly instead of running a stale test binary.
swift build --build-tests
# The container image of this commit, for ContainerImageTests (release build, debootstrap base, buildah).
scripts/build-image.sh
# The tests run in a process group of their own; whatever they started (collectors, Python servers)
# is in it too, and is killed when the run ends however it ends, so a crashed run leaves no orphans.
set -m
swift test --skip-build --disable-xctest "$@" &
tests=$!
# Containers ContainerImageTests started live outside the group (podman's conmon): removed by name.
cleanup() {
  kill -KILL -- -"$tests" 2>/dev/null || true
  if command -v podman >/dev/null; then
    CONTAINERS_CONF=$PWD/deploy/image/containers.conf podman ps -aq --filter name=genai-test- |
      xargs -r env CONTAINERS_CONF=$PWD/deploy/image/containers.conf podman rm -f >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A hung test (a child that never exits, a blocked thread no time limit can cancel) fails the run
# with a message instead of eating CI's whole budget. The suite takes minutes; TEST_DEADLINE is seconds.
( sleep "${TEST_DEADLINE:-2400}"; echo "test.sh: the suite ran past ${TEST_DEADLINE:-2400} s; killing it" >&2
  kill -KILL -- -"$tests" 2>/dev/null ) &
watchdog=$!
status=0
wait "$tests" || status=$?
kill -- -"$watchdog" 2>/dev/null || true
exit "$status"
