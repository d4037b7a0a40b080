"""Sends agent-shaped spans to a collector with the real OpenTelemetry Python SDK OTLP/HTTP exporter.

Usage: send_spans.py ENDPOINT none|gzip TRACES [http|grpc]. Exits 0 when the exporter reports SUCCESS.
Each trace: an invoke_agent root with a chat child (model, usage, messages) and a tool child.
"""
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

endpoint, compression, traces = sys.argv[1], sys.argv[2], int(sys.argv[3])
protocol = sys.argv[4] if len(sys.argv) > 4 else "http"
memory = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": "e2e-agent", "deployment.environment.name": "Staging"}))
provider.add_span_processor(SimpleSpanProcessor(memory))
tracer = provider.get_tracer("e2e.agent", "1.0")
for i in range(traces):
    with tracer.start_as_current_span("invoke_agent planner", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
            "user.id": "user-7", "session.id": f"session-{i}"}):
        with tracer.start_as_current_span("chat gpt-4o", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 30,
                "gen_ai.usage.cache_read.input_tokens": 20,
                "gen_ai.input.messages": '[{"role": "user", "content": "Plan my day"}]',
                "gen_ai.output.messages": '[{"role": "assistant", "content": "Sure."}]'}):
            pass
        with tracer.start_as_current_span("execute_tool calendar", attributes={
                "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "calendar",
                "gen_ai.tool.call.arguments": '{"day": "today"}'}):
            pass
# 30 s, not the SDK's 10 s: the suite runs many servers at once on two cores, and a slow answer is
# not what these tests check (a refusal still fails at once).
if protocol == "grpc":
    from grpc import Compression
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    exporter = OTLPSpanExporter(endpoint=endpoint, insecure=True, timeout=30,
                                compression=Compression.Gzip if compression == "gzip" else Compression.NoCompression)
else:
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    exporter = OTLPSpanExporter(endpoint=endpoint, timeout=30,
                                compression=Compression.Gzip if compression == "gzip" else Compression.NoCompression)
result = exporter.export(memory.get_finished_spans())
print(result.name)
sys.exit(0 if result.name == "SUCCESS" else 1)
