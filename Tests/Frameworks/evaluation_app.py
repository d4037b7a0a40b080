"""An instrumentation scoring its own output, with the OpenTelemetry SDK and the GenAI conventions'
attribute names (opentelemetry-semantic-conventions): one chat span carrying a
`gen_ai.evaluation.result` span event (relevance 0.9, with an explanation), and an evaluator's verdict
on the same span logged as a `gen_ai.evaluation.result` event record (grounded: true), which the
collector's log join attaches to the span; and a later verdict logged outside any span (helpfulness
0.7), which only its `gen_ai.response.id` ties to the span. Logs are flushed before the span is
exported, so the records wait for their span.

    evaluation_app.py BASE_URL     (the collector's OTLP/HTTP listener, http://127.0.0.1:PORT)
Prints the trace and span ids as JSON."""
import json
import sys

from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as GenAI
from opentelemetry.trace import set_span_in_context

base = sys.argv[1]
resource = Resource.create({"service.name": "evaluated-bot"})
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces", timeout=30)))
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/v1/logs", timeout=30)))
tracer = tracer_provider.get_tracer("evaluated-bot")
logger = logger_provider.get_logger("evaluated-bot")

with tracer.start_as_current_span("chat gpt-4o-mini") as span:
    span.set_attribute(GenAI.GEN_AI_OPERATION_NAME, "chat")
    span.set_attribute(GenAI.GEN_AI_REQUEST_MODEL, "gpt-4o-mini")
    span.set_attribute(GenAI.GEN_AI_RESPONSE_ID, "chatcmpl-eval-1")
    span.add_event("gen_ai.evaluation.result", {
        GenAI.GEN_AI_EVALUATION_NAME: "relevance",
        GenAI.GEN_AI_EVALUATION_SCORE_VALUE: 0.9,
        GenAI.GEN_AI_EVALUATION_EXPLANATION: "on topic",
    })
    logger.emit(LogRecord(
        event_name="gen_ai.evaluation.result",
        attributes={GenAI.GEN_AI_EVALUATION_NAME: "grounded", GenAI.GEN_AI_EVALUATION_SCORE_LABEL: "true",
                    GenAI.GEN_AI_RESPONSE_ID: "chatcmpl-eval-1"},
        context=set_span_in_context(span)))
    ids = {"trace": format(span.get_span_context().trace_id, "032x"), "span": format(span.get_span_context().span_id, "016x")}
# Scored after the fact, outside any span: no span context, only the response id to find it by.
logger.emit(LogRecord(
    event_name="gen_ai.evaluation.result",
    attributes={GenAI.GEN_AI_EVALUATION_NAME: "helpfulness", GenAI.GEN_AI_EVALUATION_SCORE_VALUE: 0.7,
                GenAI.GEN_AI_RESPONSE_ID: "chatcmpl-eval-1"}))
logger_provider.force_flush()
tracer_provider.shutdown()
logger_provider.shutdown()
print(json.dumps(ids))
