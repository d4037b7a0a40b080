#!/usr/bin/env python3
"""Writes deploy/grafana/genai-collector.json, the Grafana dashboard over the collector's /metrics:
pipeline health, GenAI usage and cost, latency. Panels are listed here once; run this after
changing them (the JSON is committed). Every expression must name series the collector exports:
Tests/CLITests/ObservabilityFilesTests.swift checks them against MetricName."""
import json
import pathlib

ENV = 'environment=~"$environment"'
panels = []
y = 0


def row(title):
    global y
    panels.append({"type": "row", "title": title, "collapsed": False, "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []})
    y += 1


def graph(title, targets, unit="short", x=0, w=12, h=8, kind="timeseries", description=""):
    panels.append({
        "type": kind, "title": title, "description": description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]}} if kind == "timeseries" else {},
        "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": l, "datasource": {"type": "prometheus", "uid": "${datasource}"}}
                    for i, (e, l) in enumerate(targets)],
    })


def line(*pairs):  # two panels side by side, then the next line
    global y
    for i, p in enumerate(pairs):
        graph(*p[:2], **dict(p[2] if len(p) > 2 else {}, x=12 * i))
    y += 8


row("Pipeline health")
line(("Spans accepted and refused / s", [
        ("sum by (receiver, transport) (rate(otelcol_receiver_accepted_spans_total[5m]))", "accepted {{receiver}}/{{transport}}"),
        ("sum by (receiver, transport) (rate(otelcol_receiver_refused_spans_total[5m]))", "refused {{receiver}}/{{transport}}"),
        ("sum by (receiver, transport) (rate(genai_collector_receiver_refused_requests_total[5m]))", "requests pushed back {{receiver}}/{{transport}}")],
      {"unit": "ops"}),
     ("Spans sent and failed per exporter / s", [
        ("sum by (exporter) (rate(otelcol_exporter_sent_spans_total[5m]))", "sent {{exporter}}"),
        ("sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total[5m]))", "failed {{exporter}}"),
        ("sum by (exporter) (rate(otelcol_exporter_enqueue_failed_spans_total[5m]))", "not queued {{exporter}}")], {"unit": "ops"}))
line(("Dropped spans by reason / s", [
        ("sum by (reason) (rate(genai_collector_dropped_spans_total[5m]))", "{{reason}}"),
        ("sum by (reason) (rate(genai_collector_dropped_log_records_total[5m]))", "log records {{reason}}")], {"unit": "ops"}),
     ("Exporter queues: fill and oldest record", [
        ("max by (exporter) (otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)", "fill {{exporter}}"),
        ("max by (exporter) (genai_collector_persistent_queue_oldest_record_age_seconds) / 300", "oldest record / 5 min {{exporter}}")],
      {"unit": "percentunit"}))
line(("Config reloads", [("sum by (outcome) (increase(genai_collector_config_reloads_total[1h]))", "{{outcome}}")]),
     ("Label values collapsed to other / s", [("sum by (label) (rate(genai_collector_metric_label_overflow_total[5m]))", "{{label}}")], {"unit": "ops"}))

row("GenAI usage and cost")
line(("Cost per hour by model (USD)", [(f'sum by (model) (rate(genai_collector_cost_usd_total{{cost="total",{ENV}}}[1h])) * 3600', "{{model}}")],
      {"unit": "currencyUSD"}),
     ("Cost per hour by agent (USD)", [(f'sum by (agent) (rate(genai_collector_cost_usd_total{{cost="total",{ENV}}}[1h])) * 3600', "{{agent}}")],
      {"unit": "currencyUSD"}))
line(("Tokens / s by model and kind", [(f'sum by (model, usage) (rate(genai_collector_tokens_total{{usage!="total",{ENV}}}[5m]))', "{{model}} {{usage}}")],
      {"unit": "short"}),
     ("Tokens / s by agent (aggregates apart)", [
        (f'sum by (agent) (rate(genai_collector_tokens_total{{usage="total",{ENV}}}[5m]))', "{{agent}}"),
        ('sum by (agent) (rate(genai_collector_aggregated_tokens_total{usage="total"}[5m]))', "{{agent}} (repeated by agent spans, not counted)")],
      {"unit": "short"}))
line(("Spend over 24 h by environment (USD)", [('sum by (environment) (increase(genai_collector_cost_usd_total{cost="total"}[24h]))', "{{environment}}")],
      {"unit": "currencyUSD"}),
     ("Cost per trace (USD), p50 and p95", [
        (f'histogram_quantile(0.5, sum by (le) (rate(genai_collector_trace_cost_usd_bucket{{{ENV}}}[15m])))', "p50"),
        (f'histogram_quantile(0.95, sum by (le) (rate(genai_collector_trace_cost_usd_bucket{{{ENV}}}[15m])))', "p95"),
        (f'sum(rate(genai_collector_trace_cost_usd_sum{{{ENV}}}[15m])) / sum(rate(genai_collector_trace_cost_usd_count{{{ENV}}}[15m]))', "mean")],
      {"unit": "currencyUSD"}))
line(("Errors / s by model and agent", [(f'sum by (model, agent) (rate(genai_collector_observation_errors_total{{{ENV}}}[5m]))', "{{model}} · {{agent}}")],
      {"unit": "ops"}),
     ("Observations / s by type", [(f'sum by (type) (rate(genai_collector_observations_total{{{ENV}}}[5m]))', "{{type}}")], {"unit": "ops"}))

row("Latency")
line(("Model call duration by model, p50 / p95 / p99", [
        (f'histogram_quantile({q}, sum by (le, model) (rate(genai_collector_operation_duration_seconds_bucket{{type="generation",{ENV}}}[5m])))',
         f"p{int(q * 100)} {{{{model}}}}") for q in (0.5, 0.95, 0.99)], {"unit": "s"}),
     ("Time to first token by model, p50 / p95", [
        (f'histogram_quantile({q}, sum by (le, model) (rate(genai_collector_time_to_first_token_seconds_bucket[5m])))', f"p{int(q * 100)} {{{{model}}}}")
        for q in (0.5, 0.95)], {"unit": "s"}))
line(("Duration by agent and type, p95", [
        (f'histogram_quantile(0.95, sum by (le, agent, type) (rate(genai_collector_operation_duration_seconds_bucket{{{ENV}}}[5m])))', "{{agent}} {{type}}")],
      {"unit": "s"}),
     ("Trace duration by workflow, p95 (earliest start to latest end)", [
        (f'histogram_quantile(0.95, sum by (le, name) (rate(genai_collector_trace_duration_seconds_bucket{{{ENV}}}[5m])))', "{{name}}")],
      {"unit": "s"}))

dashboard = {
    "title": "genai-collector", "uid": "genai-collector", "schemaVersion": 39, "version": 1, "editable": True,
    "description": "Pipeline health, GenAI usage and cost, and latency from the genai-collector's /metrics.",
    "tags": ["genai", "llm", "opentelemetry"], "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
    "templating": {"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"},
        {"name": "environment", "type": "query", "label": "Environment", "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "query": {"query": "label_values(genai_collector_observations_total, environment)", "refId": "environment"},
         "definition": "label_values(genai_collector_observations_total, environment)",
         "includeAll": True, "multi": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "refresh": 2},
    ]},
    "panels": panels,
}
out = pathlib.Path(__file__).resolve().parent.parent / "deploy/grafana/genai-collector.json"
out.write_text(json.dumps(dashboard, indent=2) + "\n")
print(f"{out}: {sum(1 for p in panels if p['type'] != 'row')} panels")
