"""Minimal OTLP/HTTP reference receiver for the load benchmark: parses every request fully with
Python's protobuf (upb) and counts spans. Usage: reference_receiver.py PORT (PYTHONPATH must hold the
generated OTLP modules; scripts/load.sh prepares them)."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

spans = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        global spans
        request = trace_service_pb2.ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
        spans += sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
