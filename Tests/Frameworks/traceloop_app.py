"""OpenLLMetry (traceloop-sdk) with its decorators around the real openai client: a workflow that runs
an agent, which calls a tool between two chat completions (the second streamed). One trace:
workflow → agent → chat (tool call), tool, chat (answer)."""
from openai import OpenAI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import agent, tool, workflow

from common import QUESTION, endpoint, tool_loop, weather
from fake_openai import FakeOpenAI

Traceloop.init(app_name="fw-traceloop", exporter=OTLPSpanExporter(endpoint=endpoint(), timeout=30),
               telemetry_enabled=False, disable_batch=False)


@tool(name="get_weather")
def get_weather(city):
    return weather(city)


@agent(name="weather_agent")
def weather_agent(client, question):
    return tool_loop(client, question, get_weather)


@workflow(name="weather_workflow")
def run(base_url):
    return weather_agent(OpenAI(base_url=base_url, api_key="sk-test"), QUESTION)


with FakeOpenAI() as base_url:
    answer = run(base_url)
    assert "sunny" in answer.lower(), answer
trace.get_tracer_provider().shutdown()  # the provider Traceloop.init installed: flushes the batch
print("done")
