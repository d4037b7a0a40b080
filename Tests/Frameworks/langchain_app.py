"""LangChain (langchain-openai) instrumented by openinference-instrumentation-langchain: a tool-calling
loop in one runnable, run once against the fake server (chat completions, the answer streamed). One
trace: agent chain → ChatOpenAI (tool call) → tool → ChatOpenAI (answer)."""
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from openinference.instrumentation.langchain import LangChainInstrumentor

from common import QUESTION, tracer_provider, weather
from fake_openai import FakeOpenAI


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return weather(city)


provider = tracer_provider("fw-langchain")
LangChainInstrumentor().instrument(tracer_provider=provider)
with FakeOpenAI() as base_url:
    model = ChatOpenAI(model="gpt-4o-mini", base_url=base_url, api_key="sk-test", temperature=0.1,
                       stream_usage=True).bind_tools([get_weather])

    def weather_agent(question):
        messages = [SystemMessage("Answer with the tool."), HumanMessage(question)]
        reply = model.invoke(messages)
        messages.append(reply)
        for call in reply.tool_calls:
            messages.append(get_weather.invoke(call))
        answer = None
        for chunk in model.stream(messages):
            answer = chunk if answer is None else answer + chunk
        return answer.content

    answer = RunnableLambda(weather_agent).with_config(run_name="weather_agent").invoke(QUESTION)
    assert "sunny" in answer.lower(), answer
provider.shutdown()
print("done")
