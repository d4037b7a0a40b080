#!/usr/bin/env python3
"""Extracts the schemas the Langfuse contract server validates against from Langfuse's public API
spec: `IngestionEvent`, `IngestionResponse` and every schema they reference, as one JSON document
`{"components": {"schemas": {...}}}` (refs unchanged), so the tests need no copy of the whole spec.

    scripts/extract-ingestion-schemas.py [../shared/langfuse/openapi.yml] > Tests/Fixtures/langfuse-ingestion-schemas.json
"""
import json
import sys
from pathlib import Path

import yaml

spec_path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent.parent / "shared/langfuse/openapi.yml"
schemas = yaml.safe_load(spec_path.read_text())["components"]["schemas"]
wanted, todo = {}, ["IngestionEvent", "IngestionResponse"]
while todo:
    name = todo.pop()
    if name in wanted:
        continue
    wanted[name] = schemas[name]
    stack = [schemas[name]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                todo.append(ref.rsplit("/", 1)[1])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
json.dump({"source": "langfuse openapi.yml (public API spec)", "components": {"schemas": dict(sorted(wanted.items()))}},
          sys.stdout, indent=1, sort_keys=False)
print()
