"""Calls TraceService/Export (LogsService or MetricsService with --service logs|metrics) with raw bytes
through grpcio and prints the status code name.
Usage: grpc_raw.py [--expect CODE] [--compression gzip|deflate] [--service traces|logs|metrics] HOST:PORT HEX_BYTES [AUTHORIZATION];
with GRPC_ROOT_CERT set,
over TLS. HEX_BYTES may be @FILE (the message's bytes). With --expect, exits 1 unless the call ended with CODE (OK, UNAUTHENTICATED, ...), so
the calling test fails on an unexpected answer."""
import os
import sys

import grpc

args = sys.argv[1:]
expected = None
compression = grpc.Compression.NoCompression
service = "trace.v1.TraceService"
while args[:1] in (["--expect"], ["--compression"], ["--service"]):
    if args[0] == "--expect":
        expected = args[1]
    elif args[0] == "--service":
        service = {"traces": "trace.v1.TraceService", "logs": "logs.v1.LogsService", "metrics": "metrics.v1.MetricsService"}[args[1]]
    else:
        compression = {"gzip": grpc.Compression.Gzip, "deflate": grpc.Compression.Deflate}[args[1]]
    args = args[2:]

if os.environ.get("GRPC_ROOT_CERT"):
    root = open(os.environ["GRPC_ROOT_CERT"], "rb").read()
    channel = grpc.secure_channel(args[0], grpc.ssl_channel_credentials(root_certificates=root))
else:
    channel = grpc.insecure_channel(args[0])
export = channel.unary_unary(f"/opentelemetry.proto.collector.{service}/Export")
try:
    metadata = [("authorization", args[2])] if len(args) > 2 else None
    message = open(args[1][1:], "rb").read() if args[1].startswith("@") else bytes.fromhex(args[1])
    export(message, timeout=10, metadata=metadata, compression=compression)
    code = "OK"
    print("OK")
except grpc.RpcError as e:
    code = e.code().name
    print(code, e.details())
if expected is not None and code != expected:
    print(f"expected {expected}, got {code}", file=sys.stderr)
    sys.exit(1)
