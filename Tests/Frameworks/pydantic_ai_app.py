"""pydantic-ai with its own OpenTelemetry instrumentation: an agent with one tool, run once against
the fake server (chat completions). One trace: agent run → chat (tool call) → running tools →
tool → chat (answer)."""
from pydantic_ai import Agent
from pydantic_ai.models.instrumented import InstrumentationSettings
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from common import QUESTION, tracer_provider, weather
from fake_openai import FakeOpenAI

provider = tracer_provider("fw-pydantic-ai")
Agent.instrument_all(InstrumentationSettings(tracer_provider=provider, include_content=True))
with FakeOpenAI() as base_url:
    model = OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(base_url=base_url, api_key="sk-test"))
    agent = Agent(model, name="weather_agent", instructions="Answer with the tool.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        return weather(city)

    result = agent.run_sync(QUESTION)
    assert "sunny" in result.output.lower(), result.output
provider.shutdown()
print("done")
