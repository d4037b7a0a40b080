"""Sends hand-made gRPC requests over HTTP/2 (h2c) to TraceService/Export, one stream per case,
and prints one JSON line per case: the grpc-status the server answered (or null), its message, and
the RST_STREAM error code if the stream was reset instead.
Usage: grpc_frames.py HOST:PORT REQUEST_PB_FILE MAX_MESSAGE_BYTES"""
import gzip
import json
import socket
import struct
import sys

import h2.config
import h2.connection
import h2.events

host, port = sys.argv[1].rsplit(":", 1)
valid = open(sys.argv[2], "rb").read()
max_bytes = int(sys.argv[3])


def frame(payload, flag=0, length=None):
    return struct.pack(">BI", flag, len(payload) if length is None else length) + payload


def headers(content_type="application/grpc", encoding=None):
    h = [(":method", "POST"), (":scheme", "http"), (":path", "/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
         (":authority", f"{host}:{port}"), ("content-type", content_type), ("te", "trailers")]
    if encoding:
        h.append(("grpc-encoding", encoding))
    return h


half = len(valid) // 2
CASES = {
    "valid": (headers(), [frame(valid)]),
    "long_prefix": (headers(), [frame(valid, length=len(valid) + 10)]),
    "two_messages": (headers(), [frame(valid), frame(valid)]),
    "partial_prefix": (headers(), [b"\x00\x00\x00"]),
    "message_then_partial_prefix": (headers(), [frame(valid) + b"\x00\x00"]),
    "empty_body": (headers(), []),
    "flag_2": (headers(), [frame(valid, flag=2)]),
    "text_plain": (headers(content_type="text/plain"), [frame(valid)]),
    "compressed_without_encoding": (headers(), [frame(gzip.compress(valid), flag=1)]),
    "unknown_encoding": (headers(encoding="snappy"), [frame(valid, flag=1)]),
    "gzip_two_members": (headers(encoding="gzip"), [frame(gzip.compress(valid[:half]) + gzip.compress(valid[half:]), flag=1)]),
    "gzip_trailing_garbage": (headers(encoding="gzip"), [frame(gzip.compress(valid) + b"junk", flag=1)]),
    "gzip_over_limit": (headers(encoding="gzip"), [frame(gzip.compress(b"\x00" * (max_bytes + 1)), flag=1)]),
    # Says one byte over the limit, then sends a little of it: answered without reading the rest.
    "over_limit": (headers(), [struct.pack(">BI", 0, max_bytes + 1) + b"\x00" * 1024]),
}


def run(name):
    sock = socket.create_connection((host, int(port)), timeout=10)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    hdrs, chunks = CASES[name]
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, hdrs, end_stream=not chunks)
    for i, c in enumerate(chunks):
        # Respect the peer's flow-control window and frame size.
        view = memoryview(c)
        while view:
            n = min(len(view), conn.local_settings.max_frame_size, conn.max_outbound_frame_size, 16384)
            conn.send_data(sid, bytes(view[:n]), end_stream=(i == len(chunks) - 1 and len(view) == n))
            view = view[n:]
            sock.sendall(conn.data_to_send())
    sock.sendall(conn.data_to_send())
    result = {"case": name, "grpc_status": None, "message": None, "rst": None, "http_status": None}
    done = False
    while not done:
        data = sock.recv(65536)
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                d = dict(ev.headers)
                result["http_status"] = d.get(":status")
                if "grpc-status" in d:  # trailers-only
                    result["grpc_status"] = int(d["grpc-status"])
                    result["message"] = d.get("grpc-message")
            elif isinstance(ev, h2.events.TrailersReceived):
                d = dict(ev.headers)
                result["grpc_status"] = int(d["grpc-status"]) if "grpc-status" in d else None
                result["message"] = d.get("grpc-message")
            elif isinstance(ev, h2.events.StreamReset):
                result["rst"] = int(ev.error_code)
                done = True
            elif isinstance(ev, h2.events.StreamEnded):
                done = True
            elif isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        sock.sendall(conn.data_to_send())
    sock.close()
    print(json.dumps(result), flush=True)


for name in (sys.argv[4:] or CASES):
    run(name)
