"""Sends seeded random and mutated ExportTraceServiceRequest bodies to TraceService/Export with grpcio
(plain and gzip-compressed messages) and prints a JSON count of the status codes.
Usage: grpc_fuzz.py HOST:PORT FIXTURE.pb SEED COUNT"""
import json
import random
import sys

import grpc

target, fixture, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
body = open(fixture, "rb").read()
rng = random.Random(seed)


def mutate(b):
    b = bytearray(b)
    for _ in range(rng.randint(1, 4)):
        if not b:
            break
        at = rng.randrange(len(b))
        op = rng.randrange(5)
        if op == 0:
            b[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            b = b[:at]
        elif op == 2:
            b[at:at] = b"\xff\xff\xff\xff\x0f"
        elif op == 3:
            del b[at]
        else:
            b[at] = rng.randrange(256)
    return bytes(b)


channel = grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)])
export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
codes = {}
for i in range(count):
    message = bytes(rng.randrange(256) for _ in range(rng.randrange(2048))) if i % 4 == 0 else mutate(body)
    compression = grpc.Compression.Gzip if i % 2 else grpc.Compression.NoCompression
    try:
        export(message, timeout=10, compression=compression)
        name = "OK"
    except grpc.RpcError as e:
        name = e.code().name
    codes[name] = codes.get(name, 0) + 1
# Still serving: the unmodified request.
try:
    export(body, timeout=10)
    after = "OK"
except grpc.RpcError as e:
    after = e.code().name
print(json.dumps({"codes": codes, "after": after}))
