#!/usr/bin/env bash
# The log join's cost on ordinary traffic: the embedded default (pipelines/local.yaml, whose traces
# pipeline now holds log_join) beside the same config with the join taken out (traces only, as it
# was), side by side (scripts/ab-bench-lib.sh: ROUNDS, SECONDS_PER_RUN, CONNECTIONS), with spans of
# a scope that does not log its content, so they pass the join. What the join costs where it works
# (spans that wait, records that come) is `genai-collector-bench --log-join`.
source "$(dirname "$0")/ab-bench-lib.sh"
# Traces only: the join, and the logs and metrics pipelines, removed.
python3 - "$work/traces-only.yaml" <<'PY'
import re, sys
s = open("pipelines/local.yaml").read()
s = s.replace("  log_join: {}\n", "").replace("log_join, ", "")
s = re.sub(r"    logs:\n(      .*\n)+", "", s)
s = re.sub(r"    metrics:\n(      .*\n)+", "", s)
open(sys.argv[1], "w").write(s)
PY
configs_a=("$PWD/pipelines/local.yaml")
configs_b=("$work/traces-only.yaml")
ab "with the join" "traces only"
