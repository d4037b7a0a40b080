#!/usr/bin/env bash
# The rule evaluators' cost on a gateway's per-trace pipeline, on the daemon under load: the
# embedded default's intake and file sink with cost_inference, groupbytrace (1 s) and
# agent_attribution, with and without pipelines/gateway-evaluation.yaml's evaluation processor,
# side by side (scripts/ab-bench-lib.sh: ROUNDS, SECONDS_PER_RUN, CONNECTIONS). Then one more run
# with the evaluators under `perf record`, which prints the processor's share of the collector's
# CPU (inclusive): the stable figure on this noisy machine. The load's spans are each a trace of
# their own, the worst case for trace rules (three trace scores per span).
source "$(dirname "$0")/ab-bench-lib.sh"
chain='[memory_limiter, log_join, environment, cost_inference, groupbytrace, agent_attribution, EVAL batch]'
common='processors:\n  cost_inference: {}\n  groupbytrace: {wait_duration: 1s}\n  agent_attribution: {}\n'
printf "$common"'service:\n  pipelines:\n    traces:\n      processors: %s\n' "${chain/EVAL /}" > "$work/per-trace.yaml"
sed -n '/^processors:/,/^service:/p' pipelines/gateway-evaluation.yaml | sed '1d;$d' > "$work/evaluators.yaml"
{ printf "$common"; cat "$work/evaluators.yaml"; printf 'service:\n  pipelines:\n    traces:\n      processors: %s\n' "${chain/EVAL /evaluation, }"; } > "$work/evaluated.yaml"
configs_a=("$PWD/pipelines/local.yaml" "$work/evaluated.yaml")
configs_b=("$PWD/pipelines/local.yaml" "$work/per-trace.yaml")
ab "with the evaluators" "without"

if command -v perf >/dev/null; then
  dir=$(mktemp -d)
  local_yaml=$PWD/pipelines/local.yaml
  (cd "$dir" && GENAI_COLLECTOR_HOST=127.0.0.1 exec "$bin/genai-collector" run --config "$local_yaml" --config "$work/evaluated.yaml") > /dev/null 2>"$work/collector.log" &
  pid=$!
  (wait_port 4318) || { cat "$work/collector.log"; exit 1; }
  perf record -F 999 -g -p $pid -o "$work/perf.data" -- sleep "$seconds" > /dev/null 2>&1 &
  recorder=$!
  $bin/genai-collector-load --port 4318 --pid $pid --seconds "$seconds" --connections "$connections" --label "with the evaluators, under perf"
  wait $recorder || true
  kill -TERM $pid; wait $pid || true
  rm -rf "$dir"
  share() { perf report -i "$work/perf.data" --children --sort symbol 2>/dev/null | grep -v '^#' | grep -E '^ +[0-9]' | grep -m1 -E "$1( |\$)" | awk '{ print $1 }'; }
  echo "inclusive share of the collector's CPU samples: evaluation processor $(share 'EvaluationProcessorV7process5traceAA0C7OutcomeVSay13CollectorCore10TraceBatchVGz_tF'), translation $(share 'AITranslatorV9translate5parts5statsSayAA15LangfuseRecordsVGSay13CollectorCore10TraceBatchVG_AC5StatsVztF')"
fi
