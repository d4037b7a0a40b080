"""pydantic-ai, two agents: a travel agent whose tool delegates to the weather agent (which has the
weather tool), run once against the fake server. Four model calls in one trace: travel chat (asks
its tool) → tool → weather agent run → chat (asks get_weather) → get_weather → chat (answer) →
travel chat (answer).

With --aggregated-names the agent runs report their usage as pydantic-ai does by default
(`gen_ai.aggregated_usage.*`); without, under `gen_ai.usage.*` as earlier releases did and as
`use_aggregated_usage_attribute_names=False` still does: each run span then repeats its own model
calls' tokens, which a backend that sums every observation counts twice."""
import sys

from pydantic_ai import Agent, RunContext
from pydantic_ai.models.instrumented import InstrumentationSettings
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from common import QUESTION, tracer_provider, weather
from fake_openai import FakeOpenAI

aggregated_names = "--aggregated-names" in sys.argv
if aggregated_names:
    sys.argv.remove("--aggregated-names")
provider = tracer_provider("fw-pydantic-ai-agents")
Agent.instrument_all(InstrumentationSettings(
    tracer_provider=provider, include_content=True, use_aggregated_usage_attribute_names=aggregated_names))
with FakeOpenAI() as base_url:
    model = OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(base_url=base_url, api_key="sk-test"))
    weather_agent = Agent(model, name="weather_agent", instructions="Answer with the tool.")
    travel_agent = Agent(model, name="travel_agent", instructions="Ask the weather agent.")

    @weather_agent.tool_plain
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        return weather(city)

    @travel_agent.tool
    async def ask_weather_agent(ctx: RunContext[None], city: str) -> str:
        """Ask the weather agent about a city."""
        result = await weather_agent.run(f"What is the weather in {city}?", usage=ctx.usage)
        return result.output

    result = travel_agent.run_sync(QUESTION)
    assert "sunny" in result.output.lower(), result.output
provider.shutdown()
print("done")
