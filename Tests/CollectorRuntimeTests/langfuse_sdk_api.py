"""The Langfuse Python SDK pointed at the collector for more than tracing: a generation, a score on it
(`create_score`, whose comment holds an email address and a phone number), a prompt (`get_prompt`),
and a prompt Langfuse does not have.

Usage: langfuse_sdk_api.py BASE_URL [PUBLIC_KEY SECRET_KEY]. Prints one JSON line: the trace and
observation ids, the prompt's text and version, and how the missing prompt failed.
"""
import json
import os
import sys

os.environ["LANGFUSE_BASE_URL"] = sys.argv[1]
os.environ["LANGFUSE_PUBLIC_KEY"] = sys.argv[2] if len(sys.argv) > 2 else "pk-lf-test"
os.environ["LANGFUSE_SECRET_KEY"] = sys.argv[3] if len(sys.argv) > 3 else "sk-lf-test"

from langfuse import get_client  # noqa: E402

langfuse = get_client()
with langfuse.start_as_current_observation(as_type="generation", name="answer", model="gpt-4o-mini",
                                           input="Review Dune.") as generation:
    generation.update(output="A fine film.")
    trace_id, observation_id = langfuse.get_current_trace_id(), generation.id
langfuse.create_score(name="quality", value=0.9, trace_id=trace_id, observation_id=observation_id,
                      comment="Reviewer bob@example.com agrees.")
prompt = langfuse.get_prompt("movie-critic", version=2, cache_ttl_seconds=0)
try:
    langfuse.get_prompt("missing", version=1, cache_ttl_seconds=0, max_retries=0)
    missing = "found"
except Exception as e:  # the SDK raises the API's error
    missing = f"{type(e).__name__} {getattr(e, 'status_code', '')}".strip()
langfuse.flush()
print(json.dumps({"trace": trace_id, "observation": observation_id, "prompt": prompt.prompt, "version": prompt.version,
                  "missing": missing}))
