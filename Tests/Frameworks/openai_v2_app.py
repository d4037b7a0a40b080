"""opentelemetry-instrumentation-openai-v2 with content capture on: the OpenAI client against the fake
server, three calls (plain, streamed with usage, a tool call and its answer), exported with the SDK's
stock OTLP exporters for traces, logs (the GenAI events that carry the content) and metrics.

    openai_v2_app.py BASE_URL PROTOCOL MODE
BASE_URL: http://127.0.0.1:PORT (the collector's OTLP/HTTP listener, or its gRPC one for grpc);
PROTOCOL: http or grpc; MODE: legacy (per-message events, conventions v1.30) or latest
(gen_ai.client.inference.operation.details events). Prints the trace ids, one per call, as JSON.
With METRICS_DUMP set, each metrics request the SDK sends is also written there (hex, one a line),
as the SDK's own encoder serialized it.
"""
import json
import os
import sys

base, protocol, mode = sys.argv[1:4]
os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "true" if mode == "legacy" else "event_only"
if mode == "latest":
    os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

if protocol == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    options = lambda signal: {"endpoint": base.replace("http://", ""), "insecure": True, "timeout": 30}
else:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    options = lambda signal: {"endpoint": f"{base}/v1/{signal}", "timeout": 30}

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import TOOLS, weather  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402
import openai  # noqa: E402

from opentelemetry.exporter.otlp.proto.common._internal.metrics_encoder import encode_metrics  # noqa: E402
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult  # noqa: E402

# The plain call's prompt carries an e-mail address, for the redaction checks.
PROMPT = "Weather in Paris? Mail me at jane.doe@example.com"


class Dumping(MetricExporter):
    """The stock exporter, and what it sends written down first."""

    def __init__(self, inner, path):
        super().__init__(preferred_temporality=inner._preferred_temporality, preferred_aggregation=inner._preferred_aggregation)
        self.inner, self.path = inner, path

    def export(self, metrics_data, timeout_millis=10_000, **kwargs):
        with open(self.path, "a") as f:
            f.write(encode_metrics(metrics_data).SerializeToString().hex() + "\n")
        return self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)

    def force_flush(self, timeout_millis=10_000):
        return self.inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis=30_000, **kwargs):
        self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)


resource = Resource.create({"service.name": "openai-v2-app"})
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(**options("traces"))))
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(**options("logs"))))
set_logger_provider(logger_provider)
metric_exporter = OTLPMetricExporter(**options("metrics"))
if os.environ.get("METRICS_DUMP"):
    metric_exporter = Dumping(metric_exporter, os.environ["METRICS_DUMP"])
reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)
meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
OpenAIInstrumentor().instrument(tracer_provider=tracer_provider, logger_provider=logger_provider, meter_provider=meter_provider)

tracer = trace.get_tracer("openai-v2-app", tracer_provider=tracer_provider)
traces = {}
with FakeOpenAI() as url:
    client = openai.OpenAI(base_url=url, api_key="sk-test")
    with tracer.start_as_current_span("plain") as span:
        traces["plain"] = format(span.get_span_context().trace_id, "032x")
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": PROMPT}])
    with tracer.start_as_current_span("stream") as span:
        traces["stream"] = format(span.get_span_context().trace_id, "032x")
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Stream the weather."}], stream=True,
            stream_options={"include_usage": True})
        for _ in stream:
            pass
    with tracer.start_as_current_span("tools") as span:
        traces["tools"] = format(span.get_span_context().trace_id, "032x")
        messages = [{"role": "user", "content": "What is the weather in Paris?"}]
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
        call = reply.choices[0].message.tool_calls[0]
        messages += [{"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                     {"role": "tool", "tool_call_id": call.id, "content": weather(json.loads(call.function.arguments)["city"])}]
        client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)

tracer_provider.force_flush()
logger_provider.force_flush()
meter_provider.force_flush()
tracer_provider.shutdown()
logger_provider.shutdown()
meter_provider.shutdown()
print(json.dumps(traces))
