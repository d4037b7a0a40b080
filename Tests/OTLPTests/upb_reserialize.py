"""Parses each request of a file with Python protobuf's upb parser and prints, one line each,
"OK <hex of the canonical re-serialization>" or "ERR <reason>". The file holds requests as a
4-byte little-endian length and the bytes. Used as the reference in the differential tests."""
import struct
import sys

from google.protobuf.internal import api_implementation
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

assert api_implementation.Type() == "upb", api_implementation.Type()
data = open(sys.argv[1], "rb").read()
pos = 0
out = []
while pos < len(data):
    (n,) = struct.unpack_from("<I", data, pos)
    body = data[pos + 4:pos + 4 + n]
    pos += 4 + n
    m = trace_service_pb2.ExportTraceServiceRequest()
    try:
        m.ParseFromString(body)
        m.DiscardUnknownFields()
        out.append("OK " + m.SerializeToString(deterministic=True).hex())
    except Exception as e:  # noqa: BLE001 - any parse failure is the answer
        out.append("ERR " + type(e).__name__ + ": " + str(e).split(": ")[-1])
sys.stdout.write("\n".join(out) + "\n")
