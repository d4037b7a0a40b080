"""Calls TraceService/Export with raw bytes through grpcio and prints the status code name.
Usage: grpc_raw.py HOST:PORT HEX_BYTES [AUTHORIZATION]; with GRPC_ROOT_CERT set, over TLS."""
import os
import sys

import grpc

if os.environ.get("GRPC_ROOT_CERT"):
    root = open(os.environ["GRPC_ROOT_CERT"], "rb").read()
    channel = grpc.secure_channel(sys.argv[1], grpc.ssl_channel_credentials(root_certificates=root))
else:
    channel = grpc.insecure_channel(sys.argv[1])
export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
try:
    metadata = [("authorization", sys.argv[3])] if len(sys.argv) > 3 else None
    export(bytes.fromhex(sys.argv[2]), timeout=10, metadata=metadata)
    print("OK")
except grpc.RpcError as e:
    print(e.code().name, e.details())
