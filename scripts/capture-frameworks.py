#!/usr/bin/env python3
"""Regenerates Tests/Fixtures/frameworks/: runs each framework app (Tests/Frameworks/NAME_app.py) in
its own environment (scripts/framework-env.sh) against a capture server, and
writes what it sent on the traces paths:
  NAME.otlp.pb        the request bodies, decompressed and concatenated. Protobuf appends repeated
                      fields when messages are concatenated, so this is one ExportTraceServiceRequest
                      holding every span the app exported.
  NAME.requests.json  per request: method, path, headers and body size as sent; other signals'
                      requests (OpenLIT also posts /v1/logs) are listed and not kept.
Usage: scripts/capture-frameworks.py [NAME ...]   (default: every framework)"""
import gzip
import json
import pathlib
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

root = pathlib.Path(__file__).resolve().parent.parent
apps = root / "Tests/Frameworks"
out = root / "Tests/Fixtures/frameworks"
TRACES = ("/v1/traces", "/api/public/otel/v1/traces")


class Capture(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests = []
    bodies = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Capture.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers.items()),
                                 "bytes": len(body), "kept": self.path in TRACES})
        if self.path in TRACES:
            Capture.bodies.append(gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    names = sys.argv[1:] or sorted(p.name.removesuffix(".requirements.txt") for p in apps.glob("*.requirements.txt"))
    subprocess.run([root / "scripts/framework-env.sh", *names], check=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        Capture.requests, Capture.bodies = [], []
        python = root / f".build/frameworks/{name}/bin/python3"
        subprocess.run([python, apps / f"{name}_app.py", f"http://127.0.0.1:{server.server_port}/v1/traces"], cwd=apps, check=True,
                       stdout=subprocess.DEVNULL)
        (out / f"{name}.otlp.pb").write_bytes(b"".join(Capture.bodies))
        (out / f"{name}.requests.json").write_text(json.dumps(Capture.requests, indent=2) + "\n")
        print(f"{name}: {len(Capture.bodies)} trace requests, {sum(map(len, Capture.bodies))} bytes")
    server.shutdown()


main()
