"""The Langfuse Python SDK's OpenAI drop-in (langfuse.openai) with @observe, pointed at the collector as
at a Langfuse server: an agent function calls a tool between two chat completions (the second
streamed). One trace: agent → generation (tool call), tool, generation (answer)."""
import os

from common import QUESTION, endpoint, tool_loop, weather
from fake_openai import FakeOpenAI

os.environ["LANGFUSE_BASE_URL"] = endpoint().removesuffix("/v1/traces")
os.environ["LANGFUSE_PUBLIC_KEY"] = "pk-lf-test"
os.environ["LANGFUSE_SECRET_KEY"] = "sk-lf-test"

from langfuse import get_client, observe, propagate_attributes  # noqa: E402
from langfuse.openai import OpenAI  # noqa: E402


@observe(as_type="tool", name="get_weather")
def get_weather(city):
    return weather(city)


@observe(as_type="agent", name="weather_agent")
def weather_agent(client, question):
    return tool_loop(client, question, get_weather)


with FakeOpenAI() as base_url:
    with propagate_attributes(user_id="user-fw", session_id="sess-fw"):
        answer = weather_agent(OpenAI(base_url=base_url, api_key="sk-test"), QUESTION)
    assert "sunny" in answer.lower(), answer
get_client().shutdown()
print("done")
