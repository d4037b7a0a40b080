#!/usr/bin/env python3
"""A small HTTP front over chDB (embedded ClickHouse 26.x, which has no HTTP server) that speaks the
part of ClickHouse's HTTP interface the clickhouse exporter uses, answering as ClickHouse does:

- `POST /?query=INSERT INTO t FORMAT JSONEachRow` with the rows in the body, or the whole query in
  the body; `?database=`; `param_x=` query parameters; other URL parameters are settings (accepted);
- auth by `X-ClickHouse-User`/`X-ClickHouse-Key`, HTTP Basic, or `?user=&password=`; a wrong
  credential answers 403 with `X-ClickHouse-Exception-Code: 516` and a `Code: 516. DB::Exception` body;
- errors: syntax and parse errors 400, unknown table or database 404, others 500, each with the
  `X-ClickHouse-Exception-Code` header and a `Code: N. DB::Exception: ...` body;
- `Content-Encoding: gzip` or `zstd` and chunked bodies; `GET /ping` answers `Ok.`;
- POST /fail?n=N&status=S makes the next N queries fail with STATUS (tests of retries) and answers
  `{"pending": N}`; GET /fail answers `{"pending": P, "served": F}` (F: failures served so far), so a
  test proves its outage happened; `--delay-ms` slows every query;
- `--upstream URL`: no engine; requests go to the server at URL (a real ClickHouse, its own
  credentials checked there, or an S3 server: PUT and DELETE are forwarded too, Host kept for the
  signature), with the same failure injection in front;
- GET /stats: how queries came (auth method, gzip or plain insert bodies, async_insert), for tests
  of the exporter's options;
- POST /passwords ["p1", "p2"]: the passwords accepted for the user from now on (a rotation);
  GET /passwords: those, and requests per password (refused ones as "(refused)").

    chdb_http_front.py (--dir DIR | --upstream URL) [--port 0] [--user U --password P]
Prints `listening PORT` once bound.
"""
import argparse
import base64
import gzip
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import json
import urllib.error
import urllib.request

BAD_DATA = {6, 26, 27, 38, 41, 53, 62, 69, 70, 72, 117, 130, 131, 386}  # parse and type errors: 400
NOT_FOUND = {60, 81}  # unknown table, unknown database: 404


class Front:
    def __init__(self, directory, user, password, upstream=None):
        self.upstream = upstream
        if upstream is None:
            import chdb  # only the embedded mode needs the engine
            self.conn = chdb.connect(directory)
        self.lock = threading.Lock()
        self.user, self.password = user, password
        # Passwords accepted for `user` (POST /passwords rotates them), and requests seen per
        # password (GET /passwords): what a credential-rotation test checks.
        self.passwords = {password}
        self.by_password = {}
        self.fail_next, self.fail_status, self.delay = 0, 500, 0.0
        self.failures_served = 0
        self.queries = 0
        # How requests came: auth method, body encoding, settings (GET /stats), for tests of options.
        self.seen = {"auth_basic": 0, "auth_headers": 0, "auth_params": 0, "gzip_bodies": 0, "zstd_bodies": 0, "plain_bodies": 0,
                     "async_insert": 0, "inserts": 0}


def make_handler(front):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, code=None):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            if code is not None:
                self.send_header("X-ClickHouse-Exception-Code", str(code))
            self.end_headers()
            self.wfile.write(data)

        def read_chunked(self):
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()

        def authorized(self, params):
            if front.user is None:
                return True
            user = self.headers.get("X-ClickHouse-User")
            key = self.headers.get("X-ClickHouse-Key")
            method = "auth_headers"
            auth = self.headers.get("Authorization", "")
            if user is None and auth.startswith("Basic "):
                user, _, key = base64.b64decode(auth[6:]).decode().partition(":")
                method = "auth_basic"
            if user is None and "user" in params:
                user, key = params["user"][0], params.get("password", [""])[0]
                method = "auth_params"
            with front.lock:
                front.seen[method] += 1
                ok = user == front.user and (key or "") in front.passwords
                label = key or "" if ok else "(refused)"
                front.by_password[label] = front.by_password.get(label, 0) + 1
            return ok

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/ping":
                return self.reply(200, "Ok.\n")
            if url.path == "/fail":
                with front.lock:
                    state = {"pending": front.fail_next, "served": front.failures_served}
                return self.reply(200, json.dumps(state) + "\n")
            if url.path == "/stats":
                with front.lock:
                    return self.reply(200, json.dumps(front.seen) + "\n")
            if url.path == "/passwords":
                with front.lock:
                    return self.reply(200, json.dumps({"accepted": sorted(front.passwords), "requests": front.by_password}) + "\n")
            self.handle_query(url, b"")

        def do_POST(self):
            url = urlparse(self.path)
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                body = self.read_chunked()
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
            if url.path == "/fail":
                q = parse_qs(url.query)
                with front.lock:
                    front.fail_next = int(q.get("n", ["1"])[0])
                    front.fail_status = int(q.get("status", ["500"])[0])
                return self.reply(200, json.dumps({"pending": front.fail_next}) + "\n")
            if url.path == "/passwords":
                with front.lock:
                    front.passwords = set(json.loads(body))
                return self.reply(200, json.dumps(sorted(front.passwords)) + "\n")
            if front.upstream is not None:
                return self.forward(body)
            if url.path == "/" and body and "query" in parse_qs(url.query):
                coding = self.headers.get("Content-Encoding", "").lower()
                with front.lock:
                    front.seen["inserts"] += 1
                    front.seen[{"gzip": "gzip_bodies", "zstd": "zstd_bodies"}.get(coding, "plain_bodies")] += 1
                    if parse_qs(url.query).get("async_insert") == ["1"]:
                        front.seen["async_insert"] += 1
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                try:
                    body = gzip.decompress(body)
                except OSError as e:
                    return self.reply(400, f"Code: 354. DB::Exception: cannot decompress gzip body: {e}. (CANNOT_DECOMPRESS)\n", 354)
            elif self.headers.get("Content-Encoding", "").lower() == "zstd":
                import zstandard  # only the zstd tests need it; the test venv has it
                try:
                    body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
                except zstandard.ZstdError as e:
                    return self.reply(400, f"Code: 354. DB::Exception: cannot decompress zstd body: {e}. (CANNOT_DECOMPRESS)\n", 354)
            self.handle_query(url, body)

        def do_PUT(self):
            self.forward_other()

        def do_DELETE(self):
            self.forward_other()

        def forward_other(self):
            """Methods only the forwarding mode serves (an S3 server behind the front)."""
            if front.upstream is None:
                return self.reply(405, "Code: 1. DB::Exception: method not allowed\n", 1)
            length = int(self.headers.get("Content-Length") or 0)
            self.forward(self.rfile.read(length) if length else b"")

        def take_failure(self):
            with front.lock:
                if front.fail_next <= 0:
                    return None
                front.fail_next -= 1
                front.failures_served += 1
                return front.fail_status

        def forward(self, body):
            status = self.take_failure()
            if status is not None:
                return self.reply(status, f"Code: 999. DB::Exception: failure on command ({status}). (TEST_FAILURE)\n", 999)
            # Host stays as the client sent it: a signed request (S3's SigV4) covers it.
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "transfer-encoding", "connection")}
            request = urllib.request.Request(front.upstream + self.path, data=body, headers=headers, method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=60) as r:
                    status, data, answer = r.status, r.read(), r.headers
            except urllib.error.HTTPError as e:
                status, data, answer = e.code, e.read(), e.headers
            # The upstream's answer as it came (its headers too: an S3 ETag, ClickHouse's exception code).
            self.send_response(status)
            for k, v in answer.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_query(self, url, body):
            if url.path == "/passwords":
                with front.lock:
                    front.passwords = set(json.loads(body))
                return self.reply(200, json.dumps(sorted(front.passwords)) + "\n")
            if front.upstream is not None:
                return self.forward(body)
            params = parse_qs(url.query, keep_blank_values=True)
            if not self.authorized(params):
                return self.reply(403, "Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 26.9.2.1)\n", 516)
            if front.delay:
                time.sleep(front.delay)
            status = self.take_failure()
            if status is not None:
                return self.reply(status, f"Code: 999. DB::Exception: failure on command ({status}). (TEST_FAILURE)\n", 999)
            query = params.get("query", [None])[0]
            if query is None:
                query, body = body.decode(), b""
            elif body:
                query = query + "\n" + body.decode()
            if "database" in params:
                query = f"USE {params['database'][0]};\n" + query if not query.lstrip().upper().startswith("USE") else query
            qparams = {k[6:]: v[0] for k, v in params.items() if k.startswith("param_")}
            with front.lock:
                front.queries += 1
                try:
                    statements = query.split(";\n", 1) if query.startswith("USE ") else [query]
                    result = None
                    for stmt in statements:
                        result = front.conn.query(stmt, "TSV", params=qparams) if qparams else front.conn.query(stmt, "TSV")
                    text = str(result) if result is not None else ""
                except Exception as e:  # chDB's error carries ClickHouse's "Code: N." message
                    message = str(e)
                    m = re.search(r"Code: (\d+)", message)
                    code = int(m.group(1)) if m else 1002
                    status = 400 if code in BAD_DATA else 404 if code in NOT_FOUND else 500
                    if not message.startswith("Code:"):
                        message = f"Code: {code}. DB::Exception: {message}"
                    return self.reply(status, message.rstrip() + "\n", code)
            self.reply(200, text)

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir")
    p.add_argument("--upstream")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--delay-ms", type=int, default=0)
    args = p.parse_args()
    if (args.dir is None) == (args.upstream is None):
        p.error("give --dir (embedded chDB) or --upstream URL (a real server)")
    front = Front(args.dir, None if args.upstream else args.user, args.password, args.upstream.rstrip("/") if args.upstream else None)
    # The embedded engine installs its own signal handlers; SIGTERM and SIGINT must still stop us.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: os._exit(0))
    front.delay = args.delay_ms / 1000
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(front))
    print(f"listening {server.server_address[1]}", flush=True)
    # The embedded engine may write to fd 1; a caller that read the port line may never read again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    server.serve_forever()


if __name__ == "__main__":
    main()
