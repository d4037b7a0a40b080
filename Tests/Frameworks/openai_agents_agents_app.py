"""The OpenAI Agents SDK with OpenInference, two agents: a travel agent whose tool is the weather
agent (`Agent.as_tool`), which has the weather tool; run once against the fake server (Responses
API). Four model calls in one trace, the weather agent's nested under the travel agent's tool."""
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
    weather_agent = Agent(name="Weather agent", instructions="Answer with the tool.", tools=[get_weather], model="gpt-4o-mini")
    travel_agent = Agent(
        name="Travel agent", instructions="Ask the weather agent.", model="gpt-4o-mini",
        tools=[weather_agent.as_tool(tool_name="ask_weather_agent", tool_description="Ask the weather agent.")])
    result = await Runner.run(travel_agent, QUESTION)
    assert "sunny" in result.final_output.lower(), result.final_output


provider = tracer_provider("fw-openai-agents-agents")
set_trace_processors([])  # no export to OpenAI's own tracing backend
OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)
with FakeOpenAI() as base_url:
    asyncio.run(main(base_url))
provider.shutdown()
print("done")
