"""Times Python protobuf (upb) parsing an ExportTraceServiceRequest; prints '<best seconds> upb|python'."""
import sys
import time

from google.protobuf.internal import api_implementation
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

data = open(sys.argv[1], "rb").read()
budget = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
best = float("inf")
deadline = time.perf_counter() + budget
while time.perf_counter() < deadline:
    start = time.perf_counter()
    for _ in range(5):
        m = trace_service_pb2.ExportTraceServiceRequest()
        m.ParseFromString(data)
    best = min(best, (time.perf_counter() - start) / 5)
print(best, api_implementation.Type())
