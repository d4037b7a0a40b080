#!/usr/bin/env bash
# The live view's cost on the pipeline users run: the embedded default (pipelines/local.yaml, whose
# live view is on, with a browser's poll of /ui/api/summary every 3 s) beside the same config with
# the view turned off (service.telemetry.ui.enabled: false), side by side (scripts/ab-bench-lib.sh:
# ROUNDS, SECONDS_PER_RUN, CONNECTIONS). The view's own cost per span, apart from the noise of a
# whole run, is `genai-collector-bench --live-view`.
source "$(dirname "$0")/ab-bench-lib.sh"
printf 'service:\n  telemetry:\n    ui: {enabled: false}\n' > "$work/no-ui.yaml"
POLL_URL=http://127.0.0.1:8888/ui/api/summary
configs_a=("$PWD/pipelines/local.yaml")
configs_b=("$PWD/pipelines/local.yaml" "$work/no-ui.yaml")
ab "with the live view" "without"
