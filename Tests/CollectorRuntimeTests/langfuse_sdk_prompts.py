"""The Langfuse Python SDK linking generations to prompts, pointed at the collector.

Usage: langfuse_sdk_prompts.py BASE_URL NAME:VERSION [NAME:VERSION ...]. One trace per prompt, each a
generation made with that prompt's client (the SDK's own TextPromptClient, as get_prompt returns it),
which records the prompt's name and version on the span; then flushes.
"""
import os
import sys

os.environ["LANGFUSE_BASE_URL"] = sys.argv[1]
os.environ["LANGFUSE_PUBLIC_KEY"] = "pk-lf-test"
os.environ["LANGFUSE_SECRET_KEY"] = "sk-lf-test"

from langfuse import get_client  # noqa: E402
from langfuse.api import Prompt_Text  # noqa: E402
from langfuse.model import TextPromptClient  # noqa: E402

langfuse = get_client()
for spec in sys.argv[2:]:
    name, version = spec.rsplit(":", 1)
    prompt = TextPromptClient(Prompt_Text(type="text", name=name, version=int(version), prompt="Review {{movie}}.",
                                          config={}, labels=["production"], tags=[]))
    with langfuse.start_as_current_observation(as_type="generation", name=f"use {name}", model="gpt-4o-mini",
                                               input=prompt.compile(movie="Dune"), prompt=prompt) as generation:
        generation.update(output="A fine film.")
langfuse.flush()
print("flushed")
