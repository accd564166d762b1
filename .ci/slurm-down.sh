#!/usr/bin/env bash
# Stops what .ci/slurm-up.sh STATE_DIR started (by the pids it recorded) and removes STATE_DIR.
set -uo pipefail
state=${1:?usage: slurm-down.sh STATE_DIR}
[ -d "$state" ] || exit 0
stop() { # stop PIDFILE: SIGTERM, then wait up to 15 s for the process to go
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 0
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null
}
stop "$state/slurmd.pid"
stop "$state/slurmctld.pid"
stop "$state/munged.pid"
rm -rf "$state"
echo "slurm-down: stopped the test cluster" >&2
