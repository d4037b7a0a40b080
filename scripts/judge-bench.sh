#!/usr/bin/env bash
# An LLM judge's throughput under its limits (genai-collector-bench --judge), against
# scripts/fake_judge_server.py answering after DELAY_MS (100) as a model would: JOBS (400) distinct
# prompts queued at once, at concurrency 1, 4 and 16 with no effective rate limit, then at 16 with
# a rate of 20 a second. Each line gives verdicts per second beside the ceiling the limits set,
# and the most requests the judge saw in flight at once (never above the concurrency).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-400}
delay=${DELAY_MS:-100}
swift build -c release --product genai-collector-bench >/dev/null
bin=$PWD/.build/release
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
for setting in "1 1000" "4 1000" "16 1000" "16 20"; do
  set -- $setting
  python3 scripts/fake_judge_server.py --delay-ms "$delay" > "$work/port" &
  server=$!
  for _ in $(seq 100); do grep -q listening "$work/port" 2>/dev/null && break; sleep 0.1; done
  port=$(awk '{ print $2 }' "$work/port")
  "$bin/genai-collector-bench" --judge "http://127.0.0.1:$port/v1" "$jobs" "$1" "$2" "$delay"
  echo "  most requests in flight at once: $(curl -s "http://127.0.0.1:$port/__control/received" | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_in_flight"])')"
  kill $server; wait $server 2>/dev/null || true
done
