#!/usr/bin/env python3
"""An S3-compatible server for the tests: moto with SigV4 verification switched on.

Prints one line, `listening PORT ACCESS_KEY_ID SECRET_ACCESS_KEY BUCKET TEMP_KEY_ID TEMP_SECRET
SESSION_TOKEN`, then serves until killed. While auth is still off it creates an IAM user allowed
`s3:*`, its access key, the bucket, and temporary credentials of a role allowed `s3:*` (STS
AssumeRole); then it turns auth on, so a wrong secret gets 403 SignatureDoesNotMatch, an unknown key
InvalidAccessKeyId, and temporary credentials without their session token are refused.
"""
import argparse
import json
import signal
import sys
import time
import urllib.request
from urllib.parse import quote, unquote, urlparse, urlunparse

import boto3
from moto.core import authorization
from moto.server import ThreadedMotoServer


def canonical_path_signature_check():
    """moto checks signatures against the *decoded* request path, so a key holding a character that
    signers percent-encode (`=` in `year=2026/`) fails even for boto3. S3 itself canonicalises the
    path by encoding each segment once (RFC 3986 unreserved kept); check against that."""
    original = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action

    def check(self, iam_request_cls, resource="*"):
        saved = self.uri
        parts = urlparse(saved)
        self.uri = urlunparse(parts._replace(path=quote(unquote(parts.path), safe="/~")))
        try:
            return original(self, iam_request_cls, resource)
        finally:
            self.uri = saved

    authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bucket", default="genai-traces")
    args = ap.parse_args()
    canonical_path_signature_check()
    # Port 0: the server binds a free port itself and says which (no window for another process).
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    url = f"http://127.0.0.1:{port}"
    anon = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
    iam = boto3.client("iam", **anon)
    iam.create_user(UserName="collector")
    iam.put_user_policy(UserName="collector", PolicyName="s3-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="collector")["AccessKey"]
    boto3.client("s3", **anon).create_bucket(Bucket=args.bucket)
    iam.create_role(RoleName="writer", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="writer", PolicyName="s3-all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    temp = boto3.client("sts", **anon).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/writer", RoleSessionName="collector")["Credentials"]
    req = urllib.request.Request(url + "/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req).read()
    print(f"listening {port} {key['AccessKeyId']} {key['SecretAccessKey']} {args.bucket} "
          f"{temp['AccessKeyId']} {temp['SecretAccessKey']} {temp['SessionToken']}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (server.stop(), sys.exit(0)))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
