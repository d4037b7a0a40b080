#!/usr/bin/env python3
"""Renders each kustomization directory with `kubectl kustomize` and validates every document
strictly: built-in kinds against the Kubernetes schemas (kubernetes-validate, strict: unknown
fields are errors), custom resources against their CRD's schema (Tests/Fixtures/kubernetes, made
strict the same way). Prints one JSON object per directory on a line:
  {"dir": D, "errors": [...], "documents": [...],
   "configs": {"<kind>/<name>": parsed collector config}, "configTexts": {same: its text},
   "secretFiles": {"<SecretProviderClass name>": [the file each secret is mounted as]}}
Exits 1 if any directory failed to render or validate, 2 if a tool is missing."""
import copy
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES = "1.31.0"
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "kubernetes")
CRDS = {
    ("opentelemetry.io/v1beta1", "OpenTelemetryCollector"): "opentelemetry.io_OpenTelemetryCollector_v1beta1.json",
    ("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass"): "secrets-store.csi.x-k8s.io_SecretProviderClass_v1.json",
}


def strict(schema):
    """additionalProperties: false wherever a schema lists properties and does not keep unknown fields."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def crd_errors(doc):
    with open(os.path.join(FIXTURES, CRDS[(doc["apiVersion"], doc["kind"])])) as f:
        schema = strict(json.load(f))
    schema["properties"]["metadata"] = {"type": "object"}
    validator = jsonschema.Draft7Validator(schema)
    return ["/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in validator.iter_errors(doc)]


def main(dirs):
    if not shutil.which("kubectl"):
        print("kubectl is not installed (Debian: apt-get install kubectl)", file=sys.stderr)
        return 2
    failed = False
    for d in dirs:
        result = {"dir": d, "errors": [], "documents": [], "configs": {}, "configTexts": {}, "secretFiles": {}}
        rendered = subprocess.run(["kubectl", "kustomize", d], capture_output=True, text=True)
        if rendered.returncode != 0:
            result["errors"].append("kubectl kustomize: " + rendered.stderr.strip())
        else:
            for doc in yaml.safe_load_all(rendered.stdout):
                if not doc:
                    continue
                name = f'{doc["kind"]}/{doc["metadata"]["name"]}'
                result["documents"].append(doc)
                try:
                    if (doc["apiVersion"], doc["kind"]) in CRDS:
                        result["errors"] += [f"{name}: {e}" for e in crd_errors(doc)]
                    else:
                        kubernetes_validate.validate(copy.deepcopy(doc), KUBERNETES, strict=True)
                except kubernetes_validate.ValidationError as e:
                    result["errors"].append(f"{name}: {'/'.join(str(p) for p in e.path)}: {e.message}")
                except Exception as e:  # an unknown kind or version is an error too
                    result["errors"].append(f"{name}: {type(e).__name__}: {e}")
                if doc["kind"] == "ConfigMap" and "collector.yaml" in doc.get("data", {}):
                    result["configs"][name] = yaml.safe_load(doc["data"]["collector.yaml"])
                    result["configTexts"][name] = doc["data"]["collector.yaml"]
                if doc["kind"] == "OpenTelemetryCollector":
                    result["configs"][name] = doc["spec"]["config"]
                    result["configTexts"][name] = json.dumps(doc["spec"]["config"])
                if doc["kind"] == "SecretProviderClass":
                    secrets = yaml.safe_load(doc["spec"].get("parameters", {}).get("secrets") or "[]")
                    if not secrets:
                        result["errors"].append(f"{name}: no secrets listed")
                    result["secretFiles"][doc["metadata"]["name"]] = [s.get("fileName", s["name"]) for s in secrets]
        failed = failed or bool(result["errors"])
        print(json.dumps(result, sort_keys=True))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:  # a crash is not a validation failure
        print(f"kubernetes_manifests.py: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(3)
