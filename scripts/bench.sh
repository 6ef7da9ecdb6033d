#!/usr/bin/env bash
# Benchmark: uploads the same file to the same local nginx (WebDAV PUT) with `curl -T`
# and with the agent through its full MQTT path (trigger → request → start → SUCCESS),
# alternating, and prints the median time ratio agent/curl and the agent's memory.
#
# Environment:
#   AGENT_BIN        agent binary (default .build/release/file-upload-agent; build it
#                    first with `swift build -c release`)
#   BENCH_SIZES      file sizes, e.g. "1G" (default) or "1G 4G"
#   BENCH_PAIRS      curl/agent pairs per size (default 3)
#   BENCH_DIR        work folder (default: a new folder in /tmp, removed afterwards)
#   BENCH_KEEP=1     keep the work folder (configs, agent and nginx logs)
#   BENCH_JSON=FILE  also write the figures as JSON
#   BENCH_CURL_ONLY=1  only the curl half (checks the nginx set-up without the agent)
#   BENCH_PYTHON     python with paho-mqtt (default .venv/bin/python, created if missing)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${BENCH_PYTHON:-$repo/.venv/bin/python}"

if [[ ! -x "$python" ]]; then
    echo "bench: creating $repo/.venv for the MQTT driver (paho-mqtt)" >&2
    python3 -m venv "$repo/.venv"
    "$repo/.venv/bin/pip" install -q -r "$repo/Tests/integration/requirements.txt"
fi
if ! "$python" -c 'import paho.mqtt.client' 2>/dev/null; then
    echo "bench: $python lacks paho-mqtt; run: $python -m pip install paho-mqtt" >&2
    exit 2
fi

cd "$repo"
export PATH="$(dirname "$python"):$PATH"   # the stub agent (scripts/bench) finds paho-mqtt too
exec "$python" "$repo/scripts/bench/bench.py" "$@"
