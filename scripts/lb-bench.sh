#!/usr/bin/env bash
# Load-balancing overhead: the sidecar as users run it, side by side in one run on the same load.
#   single:        pipelines/sidecar.yaml, one otlp_grpc exporter to one gateway;
#   loadbalancing: pipelines/gateway-tier.yaml, the loadbalancing exporter over three gateways that
#                  its dns resolver finds (a dnslib server on loopback answers for the headless name).
# The three gateways (127.0.0.2-4, port 4317, bearer token) take OTLP/gRPC and drop it (batch →
# debug), so the sidecar is what is measured. Both sidecars get the same memory limit (256 MiB). The
# load is genai-collector-load's LLM-shaped OTLP/HTTP (100 spans a request in traces of four, so
# the balancer splits every request three ways), first at a fixed rate
# both sustain (RATE, default 8000 spans/s: the overhead is the CPU per span), then at max rate.
# Rounds alternate the two sidecars (ROUNDS, default 3). Prints spans/s accepted, CPU s per 100k
# spans, the spans the sidecar's exporter sent and dropped, and the ratios. A benchmark, not a test:
# it never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-4}
rate_limit=${RATE:-8000}
swift build -c release --product genai-collector >/dev/null
swift build -c release --product genai-collector-load >/dev/null
bin=$PWD/.build/release
venv=${TEST_VENV:-$PWD/.build/test-venv}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load generator, sidecar and gateways on the same cores"

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && return 0; sleep 0.1; done; echo "$1:$2 never opened"; exit 1; }
metric() { curl -s "http://127.0.0.1:8888/metrics" | awk -v m="$1" 'index($0, m) == 1 { n += $2 } END { print n + 0 }'; }

printf 'bench-gateway-token' > "$work/token"
for i in 2 3 4; do
  cat > "$work/gateway$i.yaml" <<YAML
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.$i:4317", auth: {bearer_tokens: [bench-gateway-token]}}}}}
processors: {batch: {send_batch_size: 8192, timeout: 200ms}}
exporters: {debug: {}}
service:
  telemetry: {metrics: {address: "127.0.0.$i:18888"}}
  pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [debug]}}
YAML
  "$bin/genai-collector" run --config "$work/gateway$i.yaml" > /dev/null 2>"$work/gateway$i.log" &
  pids+=($!)
  wait_port 127.0.0.$i 4317
done
echo '{"gateways.bench.": ["127.0.0.2", "127.0.0.3", "127.0.0.4"]}' > "$work/records.json"
"$venv/bin/python3" scripts/dns_test_server.py "$work/records.json" > "$work/dns.out" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/dns.out" 2>/dev/null && break; sleep 0.1; done
dns_port=$(awk '/listening/ {print $2}' "$work/dns.out")

run_sidecar() {  # label, exporter, load args (before --), config args...
  local label=$1 exporter=$2 pid sent dropped load=()
  shift 2
  while [ "$1" != "--" ]; do load+=("$1"); shift; done
  shift
  (cd "$work" && GENAI_GATEWAY_TOKEN_FILE=$work/token OTLP_GATEWAY_ENDPOINT=http://127.0.0.2:4317 GATEWAY_HEADLESS_SERVICE=gateways.bench \
    exec "$bin/genai-collector" run "$@") > /dev/null 2>"$work/sidecar.log" &
  pid=$!
  wait_port 127.0.0.1 4318
  "$bin/genai-collector-load" --port 4318 --pid $pid --seconds "$seconds" --connections "$connections" --label "$label" "${load[@]}" | tee "$work/line.txt"
  sleep 2  # what is queued goes out
  sent=$(metric "otelcol_exporter_sent_spans_total{exporter=\"$exporter\"}")
  dropped=$(metric 'genai_collector_dropped_spans_total{')
  echo "  sent by its $exporter exporter: $sent spans; dropped anywhere: $dropped"
  kill -TERM $pid; wait $pid || true
}
rate() { sed -n 's/.*: \([0-9]*\) spans\/s accepted.*/\1/p' "$work/line.txt" | tail -1; }
cpu() { sed -n 's/.* \([0-9.]*\) CPU s per 100k spans.*/\1/p' "$work/line.txt" | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

memory="yaml:processors: {memory_limiter: {limit_mib: 256}}"
single=(--config "$PWD/pipelines/sidecar.yaml" --config "$memory")
balanced=(--config "$PWD/pipelines/gateway-tier.yaml" --config "$memory"
  --config "yaml:exporters: {loadbalancing: {resolver: {dns: {server: \"127.0.0.1:$dns_port\"}}}}")
fixed_cpus=()
max_rates=()
max_cpus=()
for round in $(seq "$rounds"); do
  run_sidecar "sidecar, one otlp_grpc exporter (sidecar.yaml), HTTP, $rate_limit spans/s (round $round)" otlp_grpc --rate "$rate_limit" -- "${single[@]}"
  single_cpu=$(cpu)
  run_sidecar "sidecar, loadbalancing over 3 gateways (gateway-tier.yaml), HTTP, $rate_limit spans/s (round $round)" loadbalancing --rate "$rate_limit" -- "${balanced[@]}"
  fixed_cpus+=("$(ratio "$(cpu)" "$single_cpu")")
  run_sidecar "sidecar, one otlp_grpc exporter (sidecar.yaml), HTTP, max rate (round $round)" otlp_grpc -- "${single[@]}"
  single_rate=$(rate); single_cpu=$(cpu)
  run_sidecar "sidecar, loadbalancing over 3 gateways (gateway-tier.yaml), HTTP, max rate (round $round)" loadbalancing -- "${balanced[@]}"
  max_rates+=("$(ratio "$(rate)" "$single_rate")")
  max_cpus+=("$(ratio "$(cpu)" "$single_cpu")")
done
echo "ratio loadbalancing / single otlp_grpc, CPU s per 100k spans at $rate_limit spans/s, per round: ${fixed_cpus[*]}; median $(median "${fixed_cpus[@]}")"
echo "ratio loadbalancing / single otlp_grpc, spans/s accepted at max rate, per round: ${max_rates[*]}; median $(median "${max_rates[@]}")"
echo "ratio loadbalancing / single otlp_grpc, CPU s per 100k spans at max rate, per round: ${max_cpus[*]}; median $(median "${max_cpus[@]}")"
