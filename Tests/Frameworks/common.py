"""Shared by the framework apps: the OpenTelemetry SDK's tracer provider exporting OTLP/HTTP to the
endpoint named on the command line, with a batch processor as a service would run it."""
import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

QUESTION = "What is the weather in Paris?"


def endpoint():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OTLP_TRACES_ENDPOINT")
    return sys.argv[1]


def tracer_provider(service):
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint(), timeout=30)))
    return provider


def weather(city: str) -> str:
    return f"Sunny, 21 degrees in {city}."
