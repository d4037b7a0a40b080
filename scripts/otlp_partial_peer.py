#!/usr/bin/env python3
"""An OTLP/HTTP trace endpoint for tests that accepts each request but refuses some of its spans, as
the OTLP specification's partial success allows: it parses the request with the real protobuf
classes, answers 200 with an ExportTraceServiceResponse whose partial_success names the spans it
refused (every span whose name starts with `refuse`), and counts what it took and how the bodies
were compressed (GET /received). It decodes gzip and zstd bodies. `batches` lists, per request,
the spans it carried of each trace id (hex), so a test can see whether a trace came in one piece.
Logs and metrics (`/v1/logs`, `/v1/metrics`) are parsed the same way and taken whole; `logs` and
`metrics` list each request's body as received (hex, decompressed), for byte-for-byte checks.

Prints `listening PORT`, then serves until killed.
"""
import gzip
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest, ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

taken = {"requests": 0, "spans": 0, "refused": 0, "gzip": 0, "zstd": 0, "identity": 0, "batches": [], "logs": [], "metrics": []}
OTHER_SIGNALS = {"/v1/logs": ("logs", ExportLogsServiceRequest, ExportLogsServiceResponse),
                 "/v1/metrics": ("metrics", ExportMetricsServiceRequest, ExportMetricsServiceResponse)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(200, json.dumps(taken).encode(), "application/json")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        coding = self.headers.get("Content-Encoding", "").lower() or "identity"
        if coding == "gzip":
            body = gzip.decompress(body)
        elif coding == "zstd":
            import zstandard  # an independent zstd reader; the test venv has it
            body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
        elif coding != "identity":
            return self.reply(415, f"unsupported Content-Encoding {coding}".encode(), "text/plain")
        taken[coding] += 1
        if self.path in OTHER_SIGNALS:
            name, request_type, response_type = OTHER_SIGNALS[self.path]
            try:
                request_type().ParseFromString(body)
            except Exception as e:
                return self.reply(400, str(e).encode(), "text/plain")
            taken[name].append(body.hex())
            return self.reply(200, response_type().SerializeToString(), "application/x-protobuf")
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except Exception as e:
            return self.reply(400, str(e).encode(), "text/plain")
        spans = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
        refused = sum(1 for s in spans if s.name.startswith("refuse"))
        taken["requests"] += 1
        taken["spans"] += len(spans) - refused
        taken["refused"] += refused
        traces = {}
        for s in spans:
            traces[s.trace_id.hex()] = traces.get(s.trace_id.hex(), 0) + 1
        taken["batches"].append(traces)
        response = ExportTraceServiceResponse()
        if refused:
            response.partial_success.rejected_spans = refused
            response.partial_success.error_message = f"{refused} spans refused by the test peer"
        self.reply(200, response.SerializeToString(), "application/x-protobuf")


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
