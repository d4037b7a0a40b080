"""Strands Agents with its own OpenTelemetry tracing, on its OpenAI model provider: an agent with one
tool, run once against the fake server (chat completions, streamed). One trace: invoke_agent →
event loop cycle → chat (tool call) → execute_tool → event loop cycle → chat (answer)."""
from strands import Agent, tool
from strands.models.openai import OpenAIModel
from strands.telemetry import StrandsTelemetry

from common import QUESTION, endpoint, weather
from fake_openai import FakeOpenAI


@tool
def get_weather(city: str) -> str:
    """The current weather in a city.

    Args:
        city: The city.
    """
    return weather(city)


telemetry = StrandsTelemetry()
telemetry.setup_otlp_exporter(endpoint=endpoint())
with FakeOpenAI() as base_url:
    model = OpenAIModel(client_args={"base_url": base_url, "api_key": "sk-test"}, model_id="gpt-4o-mini",
                        params={"temperature": 0.1})
    agent = Agent(name="weather_agent", model=model, tools=[get_weather], system_prompt="Answer with the tool.",
                  callback_handler=None)
    result = agent(QUESTION)
    assert "sunny" in str(result).lower(), str(result)
telemetry.tracer_provider.shutdown()
print("done")
