#!/usr/bin/env python3
"""Writes the JSON schemas the manifest tests check custom resources against, from the projects' own
CustomResourceDefinitions (the OpenTelemetry Operator's OpenTelemetryCollector, the Secrets Store CSI
driver's SecretProviderClass). Descriptions are dropped: the tests need the structure only.

  scripts/generate-crd-schemas.py OTELCOL_CRD.yaml SPC_CRD.yaml

The CRDs are config/crd/bases/opentelemetry.io_opentelemetrycollectors.yaml (open-telemetry/
opentelemetry-operator) and config/crd/bases/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml
(kubernetes-sigs/secrets-store-csi-driver). Output: Tests/Fixtures/kubernetes/<group>_<kind>_<version>.json.
"""
import json
import os
import sys

import yaml

WANT = {"OpenTelemetryCollector": "v1beta1", "SecretProviderClass": "v1"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main(paths):
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "kubernetes")
    os.makedirs(out, exist_ok=True)
    for path in paths:
        with open(path) as f:
            crd = next(d for d in yaml.safe_load_all(f) if d and d.get("kind") == "CustomResourceDefinition")
        kind = crd["spec"]["names"]["kind"]
        version = WANT[kind]
        schema = next(v for v in crd["spec"]["versions"] if v["name"] == version)["schema"]["openAPIV3Schema"]
        name = f'{crd["spec"]["group"]}_{kind}_{version}.json'
        with open(os.path.join(out, name), "w") as f:
            json.dump(strip(schema), f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print(name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
