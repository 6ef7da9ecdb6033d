#!/usr/bin/env bash
# The whole job on one machine, start to end (what `make demo` runs):
#
#   scripts/demo.sh [AGENT_BINARY] [PYTHON]
#
# Starts a local mosquitto, a storage endpoint (scripts/demo/storage_sink.py, writing into
# demo/storage/), the agent as thing demo:gateway with a few generated files of different
# sizes in demo/device/, and a backend (scripts/demo/backend.py) that triggers their upload,
# answers each request with a start, follows lastUpload and checks the SHA-256 of what
# landed. The upload rate is capped (maxBandwidth) so the progress can be watched. Exits
# with the backend's status (0: SUCCESS and every file intact) and stops all it started.
# Environment: DEMO_DIR (default ./demo), DEMO_BANDWIDTH (default 8MB per second).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
AGENT="${1:-$REPO/.build/debug/file-upload-agent}"
PYTHON="${2:-$REPO/.venv/bin/python}"
DEMO="$(realpath -m "${DEMO_DIR:-$REPO/demo}")"
BANDWIDTH="${DEMO_BANDWIDTH:-8MB}"
MOSQUITTO="${MOSQUITTO_BIN:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
THING=demo:gateway
TENANT=demo-tenant
RUN="$DEMO/run"

[[ -x "$AGENT" ]] || { echo "demo: no agent binary at $AGENT (make build)" >&2; exit 2; }
[[ -x "$MOSQUITTO" ]] || { echo "demo: mosquitto not found (apt-get install mosquitto)" >&2; exit 2; }
"$PYTHON" -c 'import paho.mqtt.client' 2>/dev/null \
    || { echo "demo: $PYTHON has no paho-mqtt (make test-deps)" >&2; exit 2; }

pids=()
stop_all() {
    local status=$?
    # Newest first: the agent before the broker it talks to.
    for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[i]}" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $status -ne 0 && -f "$RUN/agent.log" ]]; then
        echo "--- last lines of $RUN/agent.log ---" >&2
        tail -n 15 "$RUN/agent.log" >&2
    fi
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_for_port() {  # wait_for_port PORT WHAT
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "demo: $2 did not listen on port $1" >&2
    return 1
}

# A clean slate: the previous run's files, storage and agent state.
rm -rf "$DEMO/device" "$DEMO/storage" "$RUN"
mkdir -p "$DEMO/device" "$DEMO/storage" "$RUN/state"
head -c 1024 /dev/urandom > "$DEMO/device/boot.log"
head -c $((3 * 1024 * 1024)) /dev/urandom > "$DEMO/device/camera-snapshot.jpg"
head -c $((40 * 1024 * 1024)) /dev/urandom > "$DEMO/device/vehicle-trace.bin"
read -r BROKER_PORT STORAGE_PORT < <("$PYTHON" -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$BROKER_PORT" > "$RUN/mosquitto.conf"
"$MOSQUITTO" -c "$RUN/mosquitto.conf" > "$RUN/mosquitto.log" 2>&1 &
pids+=($!)
"$PYTHON" "$REPO/scripts/demo/storage_sink.py" --port "$STORAGE_PORT" --dir "$DEMO/storage" > "$RUN/storage.log" 2>&1 &
pids+=($!)
wait_for_port "$BROKER_PORT" mosquitto
wait_for_port "$STORAGE_PORT" "the storage endpoint"

cat > "$RUN/agent.json" <<EOF
{
  "broker": "tcp://127.0.0.1:$BROKER_PORT",
  "deviceId": "$THING",
  "tenantId": "$TENANT",
  "files": "$DEMO/device/*",
  "checksum": true,
  "maxBandwidth": "$BANDWIDTH",
  "stopTimeout": "2s",
  "statusFile": "$RUN/status.json",
  "stateDir": "$RUN/state",
  "logLevel": "INFO"
}
EOF

echo "demo: broker 127.0.0.1:$BROKER_PORT, storage http://127.0.0.1:$STORAGE_PORT/ -> $DEMO/storage/"
echo "demo: gateway files in $DEMO/device/: $(cd "$DEMO/device" && du -h --apparent-size -- * | awk '{printf "%s%s (%s)", sep, $2, $1; sep=", "}')"
echo "demo: agent $AGENT as thing $THING, maxBandwidth $BANDWIDTH (log: $RUN/agent.log)"
"$PYTHON" "$REPO/scripts/demo/backend.py" --port "$BROKER_PORT" --thing "$THING" --tenant "$TENANT" \
    --storage-url "http://127.0.0.1:$STORAGE_PORT" --storage-dir "$DEMO/storage" --ready "$RUN/backend.ready" &
backend=$!
pids+=($backend)
for _ in $(seq 100); do [[ -f "$RUN/backend.ready" ]] && break; sleep 0.1; done
"$AGENT" --config "$RUN/agent.json" > "$RUN/agent.log" 2>&1 &
agent=$!
pids+=($agent)

# The backend ends the demo; an agent that exits before it (bad config, crash) ends it too.
agent_died=0
while kill -0 "$backend" 2>/dev/null; do
    if ! kill -0 "$agent" 2>/dev/null; then
        echo "demo: the agent exited early" >&2
        kill "$backend" 2>/dev/null || true
        agent_died=1
        break
    fi
    sleep 0.2
done
status=0
wait "$backend" || status=$?
[[ $agent_died -eq 0 ]] || status=1
if [[ -f "$RUN/status.json" ]]; then
    echo
    echo "demo: the agent's own view (file-upload-agent status):"
    "$AGENT" status --config "$RUN/agent.json" || true
fi
if [[ $status -eq 0 ]]; then
    echo "demo: SUCCESS: 3 files uploaded through MQTT commands, every SHA-256 matches"
else
    echo "demo: FAILED (exit status $status)" >&2
fi
exit "$status"
