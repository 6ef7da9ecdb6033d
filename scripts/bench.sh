#!/usr/bin/env bash
# Benchmarks against curl, same local nginx (WebDAV PUT, on tmpfs), same run:
# - one large file: `curl -T` and the agent through its full MQTT path (trigger → request
#   → start → SUCCESS), alternating; prints the median time ratio agent/curl and the
#   agent's memory, with targets;
# - many 16 KiB files in one trigger, a backend answering every request with a start,
#   against `curl --parallel --parallel-max 4 -K list`; prints wall times and ratio, CPU
#   per file, the trigger's response time, peak RSS, files and messages counted, targets.
# Usage: scripts/bench.sh [--sizes "1G 4G"] [--files "1000 10000"]   ("" skips a part)
#
# Environment:
#   AGENT_BIN        agent binary (default .build/release/file-upload-agent; build it
#                    first with `swift build -c release`)
#   BENCH_SIZES      large file sizes, e.g. "1G" (default) or "1G 4G"; "" skips them
#   BENCH_PAIRS      curl/agent pairs per size (default 5)
#   BENCH_FILES      small-file counts (default "1000 2000 10000"); "" skips them
#   BENCH_CURL_RUNS  curl runs per file count, the median counts (default 3)
#   BENCH_FILES_TIMEOUT  seconds per file count (default 180 up to 2,000 files, else 600)
#   BENCH_ARCHIVE_AT the file count also run as one tar.gz (upload.archive; default 2000)
#   BENCH_AGENT_CONFIG   JSON object merged into the agent's config, e.g. '{"requestWindow": 8}'
#   BENCH_BACKEND=paho   the many-files backend in Python (paho-mqtt) instead of bench-backend
#   BENCH_BACKEND_BIN    bench-backend binary (default .build/release/bench-backend)
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
