"""Sends one chat span carrying personal data and a secret, with the real OpenTelemetry Python SDK's
OTLP/HTTP exporter, to a collector at ENDPOINT. Exits 0 when the exporter reports SUCCESS.

Usage: send_pii.py ENDPOINT
"""
import json
import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

memory = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
provider.add_span_processor(SimpleSpanProcessor(memory))
tracer = provider.get_tracer("e2e.pii", "1.0")
messages = [{"role": "system", "content": "You are a support agent."},
            {"role": "user", "parts": [{"type": "text", "content":
                "I'm jane.doe@example.com, my card is 4111 1111 1111 1111 and the key is sk-proj-AbCdEf0123456789GhIjKlMnOp"}]}]
with tracer.start_as_current_span("chat gpt-4o", attributes={
        "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 200,
        "user.email": "jane.doe@example.com",
        "http.request.header.authorization": "Bearer abcdefghijklmnop0123456789",
        "gen_ai.input.messages": json.dumps(messages)}):
    pass
# 30 s, not 10: many servers share two cores while the suite runs.
result = OTLPSpanExporter(endpoint=sys.argv[1], timeout=30).export(memory.get_finished_spans())
print(result.name)
sys.exit(0 if result.name == "SUCCESS" else 1)
