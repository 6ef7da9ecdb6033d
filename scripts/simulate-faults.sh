#!/usr/bin/env bash
# Each known defect, put back into the debug build (InjectedFault), must make the simulator
# fail within a small budget of seeds, and fail the way a found defect does (a seed with its
# replay command), not by a build error. Usage: simulate-faults.sh <swift> <fault>...
set -uo pipefail
swift="$1"
shift
budget="${FAULT_SEEDS:-400}"
status=0
for fault in "$@"; do
    log=$(mktemp)
    if SWIFT_DETERMINISTIC_HASHING=1 SIM_SEEDS="$budget" SIM_FAULT="$fault" \
        "$swift" test --skip-build --filter SimulationTests >"$log" 2>&1; then
        echo "simulate-faults: $fault was NOT caught within $budget seeds" >&2
        status=1
    elif seed=$(grep -o -m1 "replay: make simulate SEED=[0-9]* FAULT=$fault" "$log"); then
        echo "simulate-faults: $fault caught (${seed#replay: })"
    else
        echo "simulate-faults: the run with $fault failed without a failing seed:" >&2
        tail -20 "$log" >&2
        status=1
    fi
    rm -f "$log"
done
exit $status
