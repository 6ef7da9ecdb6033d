"""moto's S3 (with IAM and STS) on 127.0.0.1 with request signatures checked.

Why a wrapper: moto checks SigV4 signatures only with its IAM-like access control on, and
then only for access keys of IAM users (or STS sessions) it knows. So this starts
`python -m moto.server` with checking off, creates with boto3 an IAM user with an access key
and an S3 policy plus a role for STS sessions, and then switches checking on for every
later request through moto's `/moto-api/reset-auth` with 0. That is
INITIAL_NO_AUTH_ACTION_COUNT=0 counted from the end of the setup: with the variable set to 0
at start, not even the setup calls could be made, since no user exists yet.

Requests pass S3's clock check first (moto_clock_server.py: more than 15 minutes off is
refused with RequestTimeTooSkewed, as S3 does); `refused_for_skew()` counts those refusals.

Standalone: `python Tests/integration/servers/moto_s3.py [--port N] [--bucket NAME]` prints
one JSON line (endpoint, bucket, region, access key, secret) and serves until interrupted.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
from botocore.config import Config

REGION = "us-east-1"
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sts:*"], "Resource": "*"}]})


def trust(principal_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole"}]})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoS3:
    """A moto server process; `start()` returns self with `endpoint`, `access_key_id`,
    `secret_access_key` and `region` set."""

    def __init__(self, port: int = 0, log_path: str | None = None):
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.region = REGION
        self.access_key_id = ""
        self.secret_access_key = ""
        self.role_arn = ""
        self._log_path = log_path
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "MotoS3":
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)  # off during the setup, switched on below
        log = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL
        self._process = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_clock_server.py"),
             "127.0.0.1", str(self.port)],
            stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/data.json", timeout=1):
                    break
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto did not start on port {self.port}")
                time.sleep(0.05)
        self._bootstrap()
        return self

    def _bootstrap(self) -> None:
        iam = self.client("iam", access_key_id="bootstrap", secret_access_key="bootstrap")
        user_arn = iam.create_user(UserName="agent")["User"]["Arn"]
        iam.put_user_policy(UserName="agent", PolicyName="s3", PolicyDocument=ALLOW_ALL)
        key = iam.create_access_key(UserName="agent")["AccessKey"]
        self.access_key_id, self.secret_access_key = key["AccessKeyId"], key["SecretAccessKey"]
        role = iam.create_role(RoleName="uploader", AssumeRolePolicyDocument=trust(user_arn))["Role"]
        iam.put_role_policy(RoleName="uploader", PolicyName="s3", PolicyDocument=ALLOW_ALL)
        self.role_arn = role["Arn"]
        request = urllib.request.Request(self.endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def client(self, service: str = "s3", access_key_id: str | None = None,
               secret_access_key: str | None = None, session_token: str | None = None):
        """A boto3 client on this server, with the IAM user's key unless others are given."""
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id=access_key_id or self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            aws_session_token=session_token,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def session_credentials(self) -> dict:
        """Temporary credentials (AccessKeyId, SecretAccessKey, SessionToken) of the role."""
        sts = self.client("sts")
        return sts.assume_role(RoleArn=self.role_arn, RoleSessionName="agent-test")["Credentials"]

    def refused_for_skew(self) -> int:
        """How many requests the clock check refused so far."""
        with urllib.request.urlopen(self.endpoint + "/_clock_check/refused", timeout=5) as response:
            return int(response.read())

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bucket", default="bench")
    arguments = parser.parse_args()
    server = MotoS3(arguments.port).start()
    server.client().create_bucket(Bucket=arguments.bucket)
    print(json.dumps({"endpoint": server.endpoint, "bucket": arguments.bucket, "region": server.region,
                      "accessKeyId": server.access_key_id, "secretAccessKey": server.secret_access_key}),
          flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server._process.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
