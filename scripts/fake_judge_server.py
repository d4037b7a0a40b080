#!/usr/bin/env python3
"""An OpenAI-compatible chat completions server that plays an LLM judge, for the judge's tests and
benchmark. No real model can run here; this enforces what the real endpoint would:
- POST /v1/chat/completions needs `Authorization: Bearer KEY` when --key is given (401 otherwise);
- the body must name a model and hold messages, and ask for structured output, either a
  `response_format` of type json_schema whose schema requires `reasoning` and `score`, or a `score`
  function tool forced by `tool_choice` (400 otherwise, as OpenAI answers a malformed request);
- the answer is a chat completion: the verdict as the message's content (json_schema) or as the
  tool call's arguments, with usage (prompt tokens = words of the prompt, completion tokens = 20).
Scripted answers, taken in order, one per call: POST /__control/script [step, ...], where a step is
  {"score": S, "reasoning": R}            a verdict (S as given: number, boolean or string)
  {"status": 429, "retry_after": 1}      that status (with Retry-After), no verdict
  {"malformed": "TEXT"}                  TEXT as the message content (or the tool's arguments)
  {"delay_s": D, ...}                    waits D seconds first (combines with the above)
When the script is used up, the verdict is the schema's first fit: 0.8, true, or the first category.
--delay-ms waits that long before every answer (the benchmark's judge latency).
GET /__control/received: every request (body and Authorization), and `max_in_flight`, the most
requests it was answering at once.
Prints `listening PORT`, then serves until killed.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "gpt-4o-mini-2024-07-18"
LOCK = threading.Lock()
STATE = {"script": [], "received": [], "in_flight": 0, "max_in_flight": 0, "calls": 0}


def schema_of(body):
    """The answer schema the request asks for, and how (json_schema or tool_call); None if neither."""
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema"), "json_schema"
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    for t in tools:
        fn = t.get("function") or {}
        if t.get("type") == "function" and fn.get("name") == "score":
            if not (isinstance(choice, dict) and (choice.get("function") or {}).get("name") == "score"):
                return None, "tool_call"
            return fn.get("parameters"), "tool_call"
    return None, None


def default_score(schema):
    score = ((schema or {}).get("properties") or {}).get("score") or {}
    if score.get("enum"):
        return score["enum"][0]
    return {"boolean": True}.get(score.get("type"), 0.8)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without this, Nagle's algorithm holds the body for the
    # client's delayed ACK (40 ms), which a real endpoint does not add.
    disable_nagle_algorithm = True
    key = None
    delay = 0.0

    def log_message(self, *args):
        pass

    def reply(self, status, value, headers=()):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__control/received":
            with LOCK:
                return self.reply(200, {"received": STATE["received"], "max_in_flight": STATE["max_in_flight"], "calls": STATE["calls"]})
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__control/script":
            with LOCK:
                STATE["script"] = json.loads(raw)
            return self.reply(200, {"ok": True})
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "no such route"}})
        with LOCK:
            STATE["in_flight"] += 1
            STATE["calls"] += 1
            STATE["max_in_flight"] = max(STATE["max_in_flight"], STATE["in_flight"])
        try:
            self.complete(raw)
        finally:
            with LOCK:
                STATE["in_flight"] -= 1

    def complete(self, raw):
        auth = self.headers.get("Authorization")
        if self.key is not None and auth != f"Bearer {self.key}":
            return self.reply(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": {"message": "body is not JSON"}})
        with LOCK:
            STATE["received"].append({"body": body, "authorization": auth})
            step = STATE["script"].pop(0) if STATE["script"] else {}
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            return self.reply(400, {"error": {"message": "model and messages are required"}})
        schema, mode = schema_of(body)
        required = set((schema or {}).get("required") or [])
        if mode is None or not {"reasoning", "score"} <= required:
            return self.reply(400, {"error": {"message": "expected structured output with reasoning and score"}})
        time.sleep(self.delay + float(step.get("delay_s", 0)))
        if "status" in step:
            headers = [("Retry-After", str(step["retry_after"]))] if "retry_after" in step else []
            return self.reply(step["status"], {"error": {"message": f"scripted {step['status']}"}}, headers)
        if "malformed" in step:
            text = step["malformed"]
        else:
            score = step.get("score", default_score(schema))
            text = json.dumps({"reasoning": step.get("reasoning", "Scripted verdict."), "score": score})
        prompt = " ".join(str(m.get("content", "")) for m in messages)
        message = {"role": "assistant", "content": text}
        if mode == "tool_call":
            message = {"role": "assistant", "content": None,
                       "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "score", "arguments": text}}]}
        self.reply(200, {
            "id": "chatcmpl-judge", "object": "chat.completion", "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if mode == "tool_call" else "stop"}],
            "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 20, "total_tokens": len(prompt.split()) + 20},
        })


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key")
    ap.add_argument("--delay-ms", type=float, default=0)
    args = ap.parse_args()
    Handler.key = args.key
    Handler.delay = args.delay_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
