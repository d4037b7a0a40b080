"""A fake OpenAI-compatible server for the framework tests: chat completions (plain and streamed, with
tool calls) and the Responses API (with function calls), what the apps here call. Every answer is
deterministic. With tools offered and no tool result yet in the conversation it calls the
first tool; otherwise it answers in text. Usage is fixed per call (USAGE), so totals are exact.

    from fake_openai import FakeOpenAI
    with FakeOpenAI() as base_url:   # http://127.0.0.1:PORT/v1
        ...
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "gpt-4o-mini-2024-07-18"
ANSWER = "It is sunny and 21 degrees in Paris."
USAGE = {"prompt_tokens": 21, "completion_tokens": 8, "total_tokens": 29,
         "prompt_tokens_details": {"cached_tokens": 4}, "completion_tokens_details": {"reasoning_tokens": 0}}
RESPONSES_USAGE = {"input_tokens": 21, "output_tokens": 8, "total_tokens": 29,
                   "input_tokens_details": {"cached_tokens": 4}, "output_tokens_details": {"reasoning_tokens": 0}}


def arguments(schema):
    """Arguments for a tool's JSON schema: each required string is "Paris", each number 1."""
    values = {}
    properties = (schema or {}).get("properties", {})
    for name in (schema or {}).get("required", list(properties)):
        kind = properties.get(name, {}).get("type")
        values[name] = 1 if kind in ("integer", "number") else True if kind == "boolean" else "Paris"
    return json.dumps(values)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, value):
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_events(self, events):
        """Server-sent events, each a data object, then `[DONE]`."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for data in events + ["[DONE]"]:
            text = "data: " + (data if isinstance(data, str) else json.dumps(data)) + "\n\n"
            chunk = text.encode()
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path.endswith("/chat/completions"):
            self.answer_chat(body)
        elif self.path.endswith("/responses"):
            self.answer_responses(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def answer_chat(self, body):
        tools = body.get("tools") or []
        answered = any(m.get("role") == "tool" for m in body.get("messages", []))
        call = None
        if tools and not answered:
            function = tools[0]["function"]
            call = {"id": "call_weather_1", "type": "function",
                    "function": {"name": function["name"], "arguments": arguments(function.get("parameters"))}}
        base = {"id": "chatcmpl-fw", "created": 1733500000, "model": MODEL, "system_fingerprint": "fp_fw"}
        if body.get("stream"):
            delta = ({"role": "assistant", "content": None, "tool_calls": [dict(call, index=0)]} if call
                     else {"role": "assistant", "content": ANSWER})
            chunks = [{"choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                      {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if call else "stop"}]}]
            if (body.get("stream_options") or {}).get("include_usage"):
                chunks.append({"choices": [], "usage": USAGE})
            self.send_events([dict(base, object="chat.completion.chunk", **c) for c in chunks])
            return
        message = {"role": "assistant", "content": None, "tool_calls": [call]} if call else {"role": "assistant", "content": ANSWER}
        self.send_json(dict(base, object="chat.completion", usage=USAGE,
                            choices=[{"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if call else "stop"}]))

    def answer_responses(self, body):
        tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
        items = body.get("input") if isinstance(body.get("input"), list) else []
        answered = any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items)
        if tools and not answered:
            item = {"type": "function_call", "id": "fc_weather_1", "call_id": "call_weather_1", "status": "completed",
                    "name": tools[0]["name"], "arguments": arguments(tools[0].get("parameters"))}
        else:
            item = {"type": "message", "id": "msg_fw_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": ANSWER, "annotations": []}]}
        response = {"id": "resp_fw", "object": "response", "created_at": 1733500000, "status": "completed",
                    "model": MODEL, "output": [item], "usage": RESPONSES_USAGE, "parallel_tool_calls": True,
                    "tool_choice": "auto", "tools": body.get("tools") or [], "instructions": body.get("instructions"),
                    "temperature": body.get("temperature"), "top_p": body.get("top_p"), "error": None,
                    "incomplete_details": None, "metadata": {}, "text": {"format": {"type": "text"}}}
        self.send_json(response)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that closes its keep-alive connection at exit is not an error here


class FakeOpenAI:
    """Serves on an ephemeral loopback port while the `with` block runs."""

    def __enter__(self):
        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def __exit__(self, *exc):
        self.server.shutdown()
        return False
