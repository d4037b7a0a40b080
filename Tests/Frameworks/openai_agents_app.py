"""The OpenAI Agents SDK, instrumented by openinference-instrumentation-openai-agents: an agent with
one function tool, run once against the fake server (Responses API). One trace:
workflow → agent → response (tool call) → tool → response (answer)."""
import asyncio

from agents import Agent, Runner, function_tool, set_default_openai_client, set_trace_processors
from openai import AsyncOpenAI
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

from common import QUESTION, tracer_provider, weather
from fake_openai import FakeOpenAI


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return weather(city)


async def main(base_url):
    set_default_openai_client(AsyncOpenAI(base_url=base_url, api_key="sk-test"))
    agent = Agent(name="Weather agent", instructions="Answer with the tool.", tools=[get_weather], model="gpt-4o-mini")
    result = await Runner.run(agent, QUESTION)
    assert "sunny" in result.final_output.lower(), result.final_output


provider = tracer_provider("fw-openai-agents")
set_trace_processors([])  # no export to OpenAI's own tracing backend
OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)
with FakeOpenAI() as base_url:
    asyncio.run(main(base_url))
provider.shutdown()
print("done")
