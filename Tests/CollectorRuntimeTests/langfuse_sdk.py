"""The Langfuse Python SDK pointed at the collector (its base URL), as a Langfuse user would do.

Usage: langfuse_sdk.py BASE_URL. Creates one trace: an @observe span with a tool child and a
generation (model, usage), under propagate_attributes(user, session, tags); then flushes.
"""
import os
import sys

os.environ["LANGFUSE_BASE_URL"] = sys.argv[1]
os.environ["LANGFUSE_PUBLIC_KEY"] = "pk-lf-test"
os.environ["LANGFUSE_SECRET_KEY"] = "sk-lf-test"
os.environ["LANGFUSE_TRACING_ENVIRONMENT"] = "e2e"

from langfuse import get_client, observe, propagate_attributes  # noqa: E402

langfuse = get_client()


@observe(as_type="tool")
def lookup(city):
    return {"city": city, "temp_c": 21}


@observe()
def answer(question):
    weather = lookup("Paris")
    with langfuse.start_as_current_observation(
            as_type="generation", name="llm-call", model="gpt-4o-mini",
            input=[{"role": "user", "content": f"{question} {weather}"}],
            usage_details={"input": 21, "output": 8}) as generation:
        generation.update(output="The capital of France is Paris.")
    return "The capital of France is Paris."


with propagate_attributes(user_id="user-42", session_id="sess-7", tags=["e2e", "sdk"]):
    answer("Capital of France?")
langfuse.flush()
print("flushed")
