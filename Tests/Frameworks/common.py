"""Shared by the framework apps: the OpenTelemetry SDK's tracer provider exporting OTLP/HTTP to the
endpoint named on the command line, with a batch processor as a service would run it; the weather tool;
and the hand-written tool loop of the apps that call the openai client themselves."""
import json
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


TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def tool_loop(client, question, get_weather):
    """A chat completion that asks for the tool, the tool, then the answer streamed (with usage)."""
    messages = [{"role": "system", "content": "Answer with the tool."}, {"role": "user", "content": question}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, temperature=0.1)
    call = reply.choices[0].message.tool_calls[0]
    messages.append(reply.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(**json.loads(call.function.arguments))})
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
