"""Extracts, from Langfuse's public OpenAPI spec, the body fields each ingestion event type allows.

Writes Tests/Fixtures/langfuse-ingestion-fields.json, which the encoder's contract test reads.
Usage: python3 scripts/ingestion-fields.py [path/to/openapi.yml]
The observation types the public spec does not list (agent, tool, chain, retriever, evaluator,
embedding, guardrail) take the generation body, as Langfuse's server schema does.
"""
import json
import os
import sys

import yaml

here = os.path.dirname(os.path.abspath(__file__))
spec_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "langfuse", "openapi.yml")
schemas = yaml.safe_load(open(spec_path))["components"]["schemas"]


def properties(name):
    schema = schemas[name]
    props = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            props |= properties(part["$ref"].split("/")[-1])
        props |= set(part.get("properties", {}))
    return props


def body_schema(event_schema):
    return schemas[event_schema]["properties"]["body"]["$ref"].split("/")[-1]


events = {}
for variant in schemas["IngestionEvent"]["oneOf"]:
    parts = variant["allOf"]
    type_name = parts[0]["properties"]["type"]["enum"][0]
    events[type_name] = sorted(properties(body_schema(parts[1]["$ref"].split("/")[-1])))
generation = events["generation-create"]
for t in ["agent", "tool", "chain", "retriever", "evaluator", "embedding", "guardrail"]:
    events[f"{t}-create"] = generation
envelope = sorted(properties("BaseEvent") | {"type", "body"})
levels = schemas["ObservationLevel"]["enum"]
out = {"envelope": envelope, "events": events, "levels": levels}
target = os.path.join(here, "..", "Tests", "Fixtures", "langfuse-ingestion-fields.json")
with open(target, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote", os.path.relpath(target), "with", len(events), "event types")
