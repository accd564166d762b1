#!/usr/bin/env bash
# Issue 16's table, measured side by side in one run: whole processes, medians of RUNS (the
# Axelrod rows: best of RUNS for regime, one Axelrod run, as compare_axelrod.sh does).
#
# Usage:
#   benches/issue16_table.sh                              # this checkout's target/release/regime
#   BASELINE=/path/to/old/regime benches/issue16_table.sh # also an older binary, row by row
#
# Rows: (1) Nowak-May 300 x 300, 400 rounds, against numpy; (2) the same with 10^6 cells,
# 100 rounds; (3) the 10-strategy tournament with noise 0.05, 200 turns, REPS3 (default 100)
# repetitions, against Axelrod-Python; (4) 193 states on a complete graph, 5 strategies,
# imitate the best every 10 rounds, no treaty, 61 rounds, 10 replicates, against Mesa
# (peers/compare_imitation.sh; CHECK=1 also checks that both compute the same thing); (5)
# the full model, scenarios/world.toml, 10 replicates x 2 rule sets. Environment: RUNS
# (default 3), THREADS (default nproc), ROWS (default "1 2 3 4 5").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
runs="${RUNS:-3}"; threads="${THREADS:-$(nproc)}"; rows="${ROWS:-1 2 3 4 5}"
(cd "$root" && cargo build --release --quiet)
binaries=("$root/target/release/regime")
[[ -n "${BASELINE:-}" ]] && binaries+=("$BASELINE")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=peers/timed.sh
source "$here/peers/timed.sh"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# time_run LABEL PAIR_ROUNDS BINARY ARGS...: median wall time and peak memory of RUNS runs.
time_run() {
    local label="$1" pr="$2" bin="$3"; shift 3
    for k in $(seq "$runs"); do
        timed "$work/t.$k" "$bin" "$@" --threads "$threads" \
            --out "$work/out" --force -q >/dev/null
    done
    local wall mb
    wall=$(cat "$work"/t.* | awk '{print $1}' | median)
    mb=$(cat "$work"/t.* | awk '{print $2 / 1024}' | median)
    awk -v l="$label" -v b="$bin" -v w="$wall" -v m="$mb" -v pr="$pr" 'BEGIN {
        printf "%s [%s]: %.3f s, %.3e pair-rounds/s, peak %.0f MB\n", l, b, w, pr / w, m }'
    rm -f "$work"/t.*
}

for row in $rows; do
    for bin in "${binaries[@]}"; do
        case "$row" in
        1) echo "== row 1 [$bin]"; REGIME="$bin" SIZE=300 ROUNDS=400 RUNS="$runs" THREADS="$threads" \
               "$here/peers/compare_nowak_may.sh" ;;
        2) echo "== row 2 [$bin]"; REGIME="$bin" SIZE=1000 ROUNDS=100 RUNS="$runs" THREADS="$threads" \
               "$here/peers/compare_nowak_may.sh" ;;
        3) echo "== row 3 [$bin]"; REGIME="$bin" NOISE=0.05 REPS="${REPS3:-100}" RUNS="$runs" \
               THREADS="$threads" "$here/peers/compare_axelrod.sh" 2>/dev/null ;;
        4) echo "== row 4 [$bin]"; REGIME="$bin" RUNS="$runs" THREADS="$threads" \
               "$here/peers/compare_imitation.sh" ;;
        5) echo "== row 5"
           time_run "full model, world scenario, 10 replicates x 2 rule sets" \
               $((193 * 192 / 2 * 8 * 61 * 20)) "$bin" run "$root/scenarios/world.toml" --reps 10 ;;
        esac
    done
done
