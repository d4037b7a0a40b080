"""OpenLLMetry (traceloop-sdk) with its decorators around the real openai client: a workflow that runs
an agent, which calls a tool between two chat completions (the second streamed). One trace:
workflow → agent → chat (tool call), tool, chat (answer)."""
import json

from openai import OpenAI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import agent, tool, workflow

from common import QUESTION, endpoint, weather
from fake_openai import FakeOpenAI

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

Traceloop.init(app_name="fw-traceloop", exporter=OTLPSpanExporter(endpoint=endpoint(), timeout=30),
               telemetry_enabled=False, disable_batch=False)


@tool(name="get_weather")
def get_weather(city):
    return weather(city)


@agent(name="weather_agent")
def weather_agent(client, question):
    messages = [{"role": "system", "content": "Answer with the tool."}, {"role": "user", "content": question}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, temperature=0.1)
    call = reply.choices[0].message.tool_calls[0]
    messages.append(reply.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(**json.loads(call.function.arguments))})
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


@workflow(name="weather_workflow")
def run(base_url):
    return weather_agent(OpenAI(base_url=base_url, api_key="sk-test"), QUESTION)


with FakeOpenAI() as base_url:
    answer = run(base_url)
    assert "sunny" in answer.lower(), answer
trace.get_tracer_provider().shutdown()  # the provider Traceloop.init installed: flushes the batch
print("done")
