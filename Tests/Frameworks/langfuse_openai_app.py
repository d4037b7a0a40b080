"""The Langfuse Python SDK's OpenAI drop-in (langfuse.openai) with @observe, pointed at the collector as
at a Langfuse server: an agent function calls a tool between two chat completions (the second
streamed). One trace: agent → generation (tool call), tool, generation (answer)."""
import json
import os

from common import QUESTION, endpoint, weather
from fake_openai import FakeOpenAI

os.environ["LANGFUSE_BASE_URL"] = endpoint().removesuffix("/v1/traces")
os.environ["LANGFUSE_PUBLIC_KEY"] = "pk-lf-test"
os.environ["LANGFUSE_SECRET_KEY"] = "sk-lf-test"

from langfuse import get_client, observe, propagate_attributes  # noqa: E402
from langfuse.openai import OpenAI  # noqa: E402

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@observe(as_type="tool", name="get_weather")
def get_weather(city):
    return weather(city)


@observe(as_type="agent", name="weather_agent")
def weather_agent(client, question):
    messages = [{"role": "system", "content": "Answer with the tool."}, {"role": "user", "content": question}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, temperature=0.1)
    call = reply.choices[0].message.tool_calls[0]
    messages.append(reply.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(**json.loads(call.function.arguments))})
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


with FakeOpenAI() as base_url:
    with propagate_attributes(user_id="user-fw", session_id="sess-fw"):
        answer = weather_agent(OpenAI(base_url=base_url, api_key="sk-test"), QUESTION)
    assert "sunny" in answer.lower(), answer
get_client().shutdown()
print("done")
