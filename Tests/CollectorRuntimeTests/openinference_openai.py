"""The real `openai` client, instrumented by openinference-instrumentation-openai, calling a local
fake OpenAI-compatible server; spans go to the collector with the OpenTelemetry SDK's OTLP/HTTP
exporter. Usage: openinference_openai.py OTLP_TRACES_ENDPOINT. Makes one plain and one streamed chat.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from openai import OpenAI
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

USAGE = {"prompt_tokens": 21, "completion_tokens": 8, "total_tokens": 29,
         "prompt_tokens_details": {"cached_tokens": 4}}


class FakeOpenAI(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        message = {"role": "assistant", "content": "The capital of France is Paris."}
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": "The capital of France is Paris."}}]},
                      {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                      {"choices": [], "usage": USAGE}]
            for c in chunks:
                c.update({"id": "chatcmpl-e2e", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini-2024-07-18"})
                self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        reply = {"id": "chatcmpl-e2e", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
                 "choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": USAGE}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
threading.Thread(target=server.serve_forever, daemon=True).start()

provider = TracerProvider(resource=Resource.create({"service.name": "e2e-openinference"}))
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=sys.argv[1], timeout=30)))
OpenAIInstrumentor().instrument(tracer_provider=provider)

client = OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="sk-test")
client.chat.completions.create(model="gpt-4o-mini", temperature=0.2,
                               messages=[{"role": "system", "content": "Be brief."},
                                         {"role": "user", "content": "Capital of France?"}])
stream = client.chat.completions.create(model="gpt-4o-mini", stream=True, stream_options={"include_usage": True},
                                        messages=[{"role": "user", "content": "Capital of France, streamed?"}])
for _ in stream:
    pass
provider.force_flush()
server.shutdown()
print("done")
