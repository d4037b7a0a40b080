"""OpenLIT's auto-instrumentation (openlit.init) of a LangChain tool-calling loop on langchain-openai,
run once against the fake server (chat completions). One trace under the app's own agent span."""
import openlit
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from opentelemetry import trace

from common import QUESTION, endpoint, weather
from fake_openai import FakeOpenAI


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return weather(city)


traces = endpoint()
openlit.init(otlp_endpoint=traces.removesuffix("/v1/traces"), application_name="fw-openlit", environment="fw",
             disable_metrics=True, disable_batch=False)
with FakeOpenAI() as base_url:
    model = ChatOpenAI(model="gpt-4o-mini", base_url=base_url, api_key="sk-test", temperature=0.1).bind_tools([get_weather])
    with trace.get_tracer("fw-openlit").start_as_current_span("invoke_agent weather_agent") as span:
        span.set_attribute("gen_ai.operation.name", "invoke_agent")
        span.set_attribute("gen_ai.agent.name", "weather_agent")
        messages = [SystemMessage("Answer with the tool."), HumanMessage(QUESTION)]
        reply = model.invoke(messages)
        messages.append(reply)
        for call in reply.tool_calls:
            messages.append(get_weather.invoke(call))
        answer = model.invoke(messages).content
    assert "sunny" in answer.lower(), answer
trace.get_tracer_provider().shutdown()
print("done")
