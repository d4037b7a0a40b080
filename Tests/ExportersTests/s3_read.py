#!/usr/bin/env python3
"""Reads a bucket back with boto3 (a real S3 client), for the S3 exporter tests.

Prints one JSON document: {"objects": [{"key", "size", "content_type", "content_encoding",
"lines": [...decoded JSON lines...] | "spans": N}]}. Gzip objects are decompressed (all members),
zstd objects too (all frames, with the zstandard package);
protobuf objects are parsed as one ExportTraceServiceRequest with opentelemetry-proto.
"""
import gzip
import json
import sys

import boto3

endpoint, key_id, secret, bucket = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key_id, aws_secret_access_key=secret)
out = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for obj in page.get("Contents", []):
        got = s3.get_object(Bucket=bucket, Key=obj["Key"])
        body = got["Body"].read()
        if obj["Key"].endswith(".gz"):
            body = gzip.decompress(body)
        elif obj["Key"].endswith(".zst"):
            import zstandard
            body = zstandard.ZstdDecompressor().decompressobj(read_across_frames=True).decompress(body)
        entry = {"key": obj["Key"], "size": obj["Size"], "content_type": got.get("ContentType"),
                 "content_encoding": got.get("ContentEncoding")}
        if ".binpb" in obj["Key"]:
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
            req = ExportTraceServiceRequest()
            req.ParseFromString(body)
            entry["spans"] = sum(len(ss.spans) for rs in req.resource_spans for ss in rs.scope_spans)
        else:
            entry["lines"] = [json.loads(line) for line in body.decode().splitlines() if line]
        out.append(entry)
print(json.dumps({"objects": out}))
