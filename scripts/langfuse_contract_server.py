#!/usr/bin/env python3
"""A stand-in for Langfuse's public ingestion endpoints that enforces their contract, for tests.

The Langfuse server cannot run on these machines, so this checks what it would check:
- Basic auth `public_key:secret_key` on every call (401 otherwise, as Langfuse answers);
- POST /api/public/otel/v1/traces: Content-Type containing application/x-protobuf or application/json
  (400 "Invalid content type" otherwise), gzip bodies, every span with a 16-byte trace id and an 8-byte
  span id (400 otherwise), x-langfuse-ingestion-version at most 4; answers 200 with a JSON body;
- POST /api/public/ingestion: JSON `{"batch": [...]}` (400 otherwise), at most 4.5 MB (413), each
  event validated against `IngestionEvent` from Langfuse's openapi.yml (the extract in
  Tests/Fixtures/langfuse-ingestion-schemas.json) as the server applies it: unions match their first
  fitting branch, and agent/tool/chain/retriever/evaluator/embedding/guardrail-create events, which
  the server accepts but the spec does not list, are checked with generation-create's body; answers
  207 with successes and errors.
- Failing on command: POST /__control/fail {"status": 401|429|500|..., "count": N, "retry_after": S,
  "delay_s": S, "event_status": 500, "garbled_207": true} makes the next N requests answer that status
  (or, with event_status, fail every event in them with it; with garbled_207, answer a 207 whose body
  is cut short, storing nothing), or wait delay_s first.
- GET /__control/received: what was accepted (events, spans, request headers), how many commanded
  failures were served (`failures_served`), and authenticated requests per public key
  (`by_public_key`), as JSON.
- GET /api/public/v2/prompts/NAME?version=N (NAME URL-encoded, folders included): the prompt of that
  name and version as the `Prompt` schema has it, plus the `id` the server's answer carries beside it;
  404 {"message": "Prompt not found"} for one it does not hold; Basic auth and commanded failures as
  above. POST /__control/prompts [{"name", "version", "id", "prompt"}, ...] sets the prompts it holds;
  GET /__control/received counts the lookups (`prompt_lookups`).
- POST /api/public/scores: a score as the API takes one (validated against `ScoreBody`; source EVAL
  refused, as the endpoint refuses it), answered 200 {"id"}; or a list of them, the form the Langfuse
  SDK 5 sends (the spec in shared/ predates it), answered 202 {"message": "Accepted"} when all pass,
  else 207 {"accepted", "rejected", "errors": [{"message"}]} with the good ones kept; GET /api/public/projects: the key's
  project. Both with Basic auth and commanded failures; GET /__control/received lists the scores.
- GET /api/public/traces: the traces it has taken by OTLP, as a page (`data`, `meta`), sent chunked;
  with `hold=1`, the first chunk goes at once and the rest only after POST /__control/release (or
  10 s, counted as `hold_timeouts`), so a test can show that a proxy passes an answer on as it comes.
- POST /__control/keys [["pk", "sk"], ...]: the key pairs accepted from now on (a key rotation);
  GET /__control/keys: authenticated requests per public key, and how many spans and events were
  accepted (small, unlike /__control/received).

Prints `listening PORT`, then serves until killed.
"""
import argparse
import base64
import gzip
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
MAX_INGESTION_BYTES = 4_500_000


# Observation types the server accepts beyond the spec's list, with generation-create's body.
EXTRA_OBSERVATION_EVENTS = {f"{t}-create" for t in ("agent", "tool", "chain", "retriever", "evaluator", "embedding", "guardrail")}


def as_zod_unions(node):
    """The server validates with zod unions, where the first matching branch wins: `anyOf`, not the
    spec's `oneOf` (under which an integer model parameter matches both number and integer)."""
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): as_zod_unions(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_zod_unions(v) for v in node]
    return node


class EventValidator:
    def __init__(self, spec_path):
        # JSON is YAML: the full openapi.yml or the extract in Tests/Fixtures both load.
        spec = as_zod_unions(yaml.safe_load(Path(spec_path).read_text()))
        registry = Registry().with_resource("urn:langfuse", Resource.opaque(spec))
        self.validator = OAS30Validator({"$ref": "urn:langfuse#/components/schemas/IngestionEvent"}, registry=registry)
        self.scores = OAS30Validator({"$ref": "urn:langfuse#/components/schemas/ScoreBody"}, registry=registry)

    def iter_errors(self, event):
        if isinstance(event, dict) and event.get("type") in EXTRA_OBSERVATION_EVENTS:
            event = dict(event, type="generation-create")
        return self.validator.iter_errors(event)


def event_validator(spec_path):
    return EventValidator(spec_path)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.events = []
        self.spans = []
        self.requests = []
        self.fail = None  # {"status", "count", "retry_after", "delay_s", "event_status"}
        self.failures_served = 0  # so a test proves the failure it asked for happened
        self.prompts = {}  # (name, version) -> the stored prompt
        self.prompt_lookups = 0
        self.scores = []
        self.release = threading.Event()
        self.hold_timeouts = 0

    def take_failure(self):
        with self.lock:
            f = self.fail
            if not f:
                return None
            f["count"] -= 1
            self.failures_served += 1
            if f["count"] <= 0:
                self.fail = None
            return dict(f)


def make_handler(state, validator, public_key, secret_key):
    def basic(pair):
        return "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()

    # Key pairs accepted (POST /__control/keys replaces them, as a project's keys are rotated),
    # and authenticated requests per public key.
    keys = {"accepted": {basic((public_key, secret_key)): public_key}, "requests": {}}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, doc, headers=None):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def read_body(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                raw = gzip.decompress(raw)
            return raw

        def do_GET(self):
            if self.path == "/__control/received":
                with state.lock:
                    return self.answer(200, {"events": state.events, "spans": state.spans, "requests": state.requests,
                                             "failures_served": state.failures_served, "by_public_key": keys["requests"],
                                             "prompt_lookups": state.prompt_lookups, "scores": state.scores,
                                             "hold_timeouts": state.hold_timeouts})
            if self.path == "/__control/keys":
                with state.lock:
                    return self.answer(200, {"by_public_key": keys["requests"], "spans": len(state.spans), "events": len(state.events)})
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/api/public/projects":
                if not self.authenticated():
                    return
                return self.answer(200, {"data": [{"id": "proj-test", "name": "test", "metadata": {}}]})
            if url.path == "/api/public/traces":
                if not self.authenticated():
                    return
                return self.traces(urllib.parse.parse_qs(url.query).get("hold") == ["1"])
            if url.path.startswith("/api/public/v2/prompts/"):
                return self.prompt(urllib.parse.unquote(url.path[len("/api/public/v2/prompts/"):]), urllib.parse.parse_qs(url.query))
            return self.answer(404, {"message": "not found"})

        def traces(self, hold):
            with state.lock:
                ids = sorted({s["trace_id"] for s in state.spans})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

            def chunk(text):
                data = text.encode()
                if not data:
                    return  # an empty chunk would end the body
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            chunk('{"data": [')
            if hold:
                if not state.release.wait(10):
                    with state.lock:
                        state.hold_timeouts += 1  # nobody released it: the client never saw the first part
                state.release.clear()
            chunk(", ".join(json.dumps({"id": i}) for i in ids))
            chunk(f'], "meta": {{"page": 1, "totalItems": {len(ids)}}}}}')
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def authenticated(self):
            with state.lock:
                key = keys["accepted"].get(self.headers.get("Authorization"))
                if key is not None:
                    keys["requests"][key] = keys["requests"].get(key, 0) + 1
            if key is None:
                self.answer(401, {"error": "Unauthorized", "message": "Invalid credentials"})
            return key is not None

        def prompt(self, name, query):
            if not self.authenticated():
                return
            with state.lock:
                state.prompt_lookups += 1
            failure = state.take_failure()
            if failure and failure.get("delay_s"):
                time.sleep(failure["delay_s"])
            if failure and failure.get("status"):
                return self.answer(failure["status"], {"message": "failing on command"})
            version = query.get("version", [None])[0]
            if version is not None and not version.isdigit():
                return self.answer(400, {"message": "Invalid request data", "error": "version must be an integer"})
            with state.lock:
                held = [p for (n, v), p in state.prompts.items() if n == name and (version is None or v == int(version))]
            if not held:
                return self.answer(404, {"error": "LangfuseNotFoundError", "message": "Prompt not found"})
            p = max(held, key=lambda p: p["version"])
            return self.answer(200, {"id": p["id"], "type": "text", "name": p["name"], "version": p["version"], "prompt": p["prompt"],
                                     "config": {}, "labels": ["production"], "tags": [], "commitMessage": None,
                                     "resolutionGraph": None})

        def do_POST(self):
            if self.path == "/__control/fail":
                with state.lock:
                    state.fail = json.loads(self.read_body())
                return self.answer(200, {})
            if self.path == "/__control/release":
                self.read_body()
                state.release.set()
                return self.answer(200, {})
            if self.path == "/__control/prompts":
                held = json.loads(self.read_body())
                with state.lock:
                    state.prompts = {(p["name"], p["version"]): p for p in held}
                return self.answer(200, {})
            if self.path == "/__control/keys":
                pairs = json.loads(self.read_body())
                with state.lock:
                    keys["accepted"] = {basic(p): p[0] for p in pairs}
                return self.answer(200, {})
            try:
                body = self.read_body()
            except OSError:
                return self.answer(400, {"message": "bad gzip body"})
            with state.lock:
                key = keys["accepted"].get(self.headers.get("Authorization"))
                if key is not None:
                    keys["requests"][key] = keys["requests"].get(key, 0) + 1
            if key is None:
                return self.answer(401, {"error": "Unauthorized", "message": "Invalid credentials"})
            failure = state.take_failure()
            if failure and failure.get("delay_s"):
                time.sleep(failure["delay_s"])
            if failure and failure.get("status"):
                headers = {"Retry-After": str(failure["retry_after"])} if failure.get("retry_after") is not None else {}
                return self.answer(failure["status"], {"message": "failing on command"}, headers)
            with state.lock:
                state.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "bytes": len(body)})
            if self.path == "/api/public/otel/v1/traces":
                return self.otel(body)
            if self.path == "/api/public/ingestion":
                return self.ingestion(body, failure)
            if self.path == "/api/public/scores":
                return self.score(body)
            return self.answer(404, {"message": "not found"})

        def otel(self, body):
            version = self.headers.get("x-langfuse-ingestion-version")
            if version is not None and (not version.isdigit() or int(version) > 4):
                return self.answer(400, {"message": "Unsupported x-langfuse-ingestion-version"})
            content_type = self.headers.get("Content-Type", "")
            req = ExportTraceServiceRequest()
            if "application/x-protobuf" in content_type:
                try:
                    req.ParseFromString(body)
                except Exception as e:
                    return self.answer(400, {"message": f"Invalid protobuf: {e}"})
            elif "application/json" in content_type:
                from google.protobuf import json_format
                try:
                    json_format.Parse(body, req)
                except Exception as e:
                    return self.answer(400, {"message": f"Invalid JSON: {e}"})
            else:
                return self.answer(400, {"message": "Invalid content type"})
            spans = []
            for rs in req.resource_spans:
                for ss in rs.scope_spans:
                    for sp in ss.spans:
                        if len(sp.trace_id) != 16 or len(sp.span_id) != 8:
                            return self.answer(400, {"message": "Span without a valid traceId/spanId"})
                        spans.append({"trace_id": sp.trace_id.hex(), "span_id": sp.span_id.hex(), "name": sp.name,
                                      "attributes": {a.key: str(a.value).strip() for a in sp.attributes}})
            with state.lock:
                state.spans.extend(spans)
            return self.answer(200, {})

        def score_problem(self, doc):
            if not isinstance(doc, dict):
                return "a score must be an object"
            problems = list(validator.scores.iter_errors(doc))
            if problems:
                return "; ".join(p.message for p in problems[:5])
            if doc.get("source") == "EVAL":
                return "source EVAL is not accepted on this endpoint"
            return None

        def keep_score(self, doc):
            with state.lock:
                doc.setdefault("id", f"score-{len(state.scores) + 1}")
                state.scores.append({"body": doc, "authorization": self.headers.get("Authorization")})
            return doc["id"]

        def score(self, body):
            try:
                doc = json.loads(body)
            except ValueError:
                return self.answer(400, {"message": "Invalid JSON"})
            if isinstance(doc, list):
                errors = [e for e in (self.score_problem(d) for d in doc) if e]
                for d in doc:
                    if not self.score_problem(d):
                        self.keep_score(d)
                if errors:
                    return self.answer(207, {"accepted": len(doc) - len(errors), "rejected": len(errors),
                                             "errors": [{"message": e} for e in errors]})
                return self.answer(202, {"message": "Accepted"})
            problem = self.score_problem(doc)
            if problem:
                return self.answer(400, {"message": "Invalid request data", "error": problem})
            return self.answer(200, {"id": self.keep_score(doc)})

        def ingestion(self, body, failure):
            if failure and failure.get("garbled_207"):
                # A 207 whose body is not the results list (cut short by a proxy, say): nothing stored.
                data = b'{"successes": [{"id": '
                self.send_response(207)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if "application/json" not in self.headers.get("Content-Type", ""):
                return self.answer(400, {"message": "Invalid content type"})
            if len(body) > MAX_INGESTION_BYTES:
                return self.answer(413, {"message": "Request body too large"})
            try:
                doc = json.loads(body)
            except ValueError:
                return self.answer(400, {"message": "Invalid JSON"})
            if not isinstance(doc, dict) or not isinstance(doc.get("batch"), list):
                return self.answer(400, {"message": "Invalid request data", "error": "batch must be an array"})
            successes, errors, accepted = [], [], []
            for event in doc["batch"]:
                eid = event.get("id") if isinstance(event, dict) else None
                problems = sorted(validator.iter_errors(event), key=lambda e: list(e.path))
                if problems:
                    errors.append({"id": str(eid), "status": 400, "message": "Invalid request data",
                                   "error": [f"{list(p.path)}: {p.message}" for p in problems[:5]]})
                elif failure and failure.get("event_status"):
                    errors.append({"id": eid, "status": failure["event_status"], "message": "failing on command", "error": None})
                else:
                    successes.append({"id": eid, "status": 201})
                    accepted.append(event)
            with state.lock:
                state.events.extend(accepted)
            return self.answer(207, {"successes": successes, "errors": errors})

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--public-key", default="pk-lf-test")
    ap.add_argument("--secret-key", default="sk-lf-test")
    ap.add_argument("--spec", default=str(ROOT / "Tests" / "Fixtures" / "langfuse-ingestion-schemas.json"),
                    help="Langfuse's openapi.yml, or its extract (scripts/extract-ingestion-schemas.py)")
    args = ap.parse_args()
    state = State()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state, event_validator(args.spec), args.public_key, args.secret_key))
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
