#!/usr/bin/env bash
# Time and peak memory of one 200 MiB upload to a local moto S3 (signatures checked):
# the agent's `upload` command against `aws s3 cp`, same file, same server, same run.
# Not a test: numbers for the notes. Usage: scripts/bench-s3.sh [SIZE_MIB]
# Needs: a built agent (AGENT_BIN, default .build/release or .build/debug), the venv
# (.venv with moto[server] and boto3), awscli and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB="${1:-200}"
PYTHON="${PYTHON:-.venv/bin/python}"
if [[ -z "${AGENT_BIN:-}" ]]; then
    AGENT_BIN=.build/release/file-upload-agent
    [[ -x "$AGENT_BIN" ]] || AGENT_BIN=.build/debug/file-upload-agent
fi
WORK="$(mktemp -d)"
MOTO_PID=""
cleanup() { [[ -n "$MOTO_PID" ]] && kill "$MOTO_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/payload.bin"
"$PYTHON" Tests/integration/servers/moto_s3.py --bucket bench > "$WORK/moto.json" 2> "$WORK/moto.log" &
MOTO_PID=$!
for _ in $(seq 200); do [[ -s "$WORK/moto.json" ]] && break; sleep 0.1; done
[[ -s "$WORK/moto.json" ]] || { echo "moto did not start:"; cat "$WORK/moto.log"; exit 1; }
read -r ENDPOINT KEY SECRET < <("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["endpoint"], d["accessKeyId"], d["secretAccessKey"])' "$WORK/moto.json")

"$PYTHON" - "$WORK/options.json" "$ENDPOINT" "$KEY" "$SECRET" <<'PY'
import json, sys
path, endpoint, key, secret = sys.argv[1:]
json.dump({"aws.region": "us-east-1", "aws.access.key.id": key, "aws.secret.access.key": secret,
           "aws.s3.bucket": "bench", "aws.object.key": "agent.bin", "aws.endpoint": endpoint}, open(path, "w"))
PY

measure() {  # name, command...
    local name="$1"; shift
    /usr/bin/time -v "$@" > "$WORK/$name.out" 2> "$WORK/$name.time" || { echo "$name failed:"; cat "$WORK/$name.out" "$WORK/$name.time"; exit 1; }
    local wall rss user sys
    wall=$(grep "Elapsed (wall clock)" "$WORK/$name.time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$WORK/$name.time" | awk '{print $NF}')
    user=$(grep "User time" "$WORK/$name.time" | awk '{print $NF}')
    sys=$(grep "System time" "$WORK/$name.time" | awk '{print $NF}')
    printf "%-26s wall %8s   cpu user %5ss sys %5ss   peak RSS %4d MiB\n" "$name" "$wall" "$user" "$sys" "$((rss / 1024))"
}

echo "upload of ${SIZE_MIB} MiB to moto at $ENDPOINT ($(basename "$AGENT_BIN" ) from $(dirname "$AGENT_BIN"))"
measure "agent upload" "$AGENT_BIN" upload "$WORK/payload.bin" --provider aws --options-file "$WORK/options.json"
measure "agent upload --checksum" "$AGENT_BIN" upload "$WORK/payload.bin" --provider aws --options-file "$WORK/options.json" --checksum
AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_DEFAULT_REGION=us-east-1 \
    measure "aws s3 cp" aws --endpoint-url "$ENDPOINT" s3 cp --only-show-errors "$WORK/payload.bin" s3://bench/awscli.bin

"$PYTHON" - "$ENDPOINT" "$KEY" "$SECRET" "$WORK/payload.bin" <<'PY'
import hashlib, sys, boto3
endpoint, key, secret, path = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret)
want = hashlib.sha256(open(path, "rb").read()).hexdigest()
for name in ("agent.bin", "awscli.bin"):
    got = hashlib.sha256(s3.get_object(Bucket="bench", Key=name)["Body"].read()).hexdigest()
    print(f"{name}: {'sha256 matches' if got == want else 'SHA-256 MISMATCH'}")
PY
