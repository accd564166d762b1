#!/usr/bin/env bash
# Runs per second, speed-up from 1 to 2 threads, and peak memory of a 10^6-run sweep of a tiny
# scenario (2 states, 1 issue, 5 rounds; 1000 points x 1000 replicates, one rule set).
# Usage: benches/sweep_scaling.sh [RUNS_DIR]   (default: a temporary directory, removed after)
# Needs GNU time (/usr/bin/time -v). SKIP_BUILD=1 uses the existing release binary. Checks that both thread counts give byte-identical CSVs.
# Record the figures in results/benchmarks-sweep.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/regime"
WORK="${1:-$(mktemp -d)}"
[ -n "${1:-}" ] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"
cat > "$WORK/tiny.toml" <<'TOML'
name = "tiny"
rounds = 5
seed = 1
rule_sets = ["realist"]
[[states]]
name = "north"
group = "receiving"
region = "europe"
power = 2.0
position = 0.8
security = 0.6
economy = 0.7
rights = 0.3
sovereignty_cost = 0.8
discount = 0.9
strategy = "tit_for_tat"
[[states]]
name = "south"
group = "sending"
region = "africa"
power = 1.0
position = -0.6
security = 0.2
economy = 0.6
rights = 0.6
sovereignty_cost = 0.2
discount = 0.85
strategy = "grudger"
[[issues]]
name = "labour"
payoffs = { t = 5.0, r = 3.0, p = 1.0, s = 0.0 }
[sweep]
design = "grid"
replicates = 1000
[sweep.axes]
"rules.realist.relative_gains" = { range = [0.0, 0.999], step = 0.001 }
TOML
RUNS=1000000
echo "machine: $(nproc) cores, $(uname -sr); load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A SECONDS_FOR
for t in 1 2; do
    /usr/bin/time -v "$BIN" sweep "$WORK/tiny.toml" --out "$WORK/out-$t" --force --threads "$t" -q \
        2> "$WORK/time-$t.txt"
    wall=$(grep "Elapsed (wall clock)" "$WORK/time-$t.txt" | awk '{print $NF}')
    secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    user=$(grep "User time" "$WORK/time-$t.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$WORK/time-$t.txt" | awk '{print $NF}')
    SECONDS_FOR[$t]=$secs
    printf "threads %d: %8.2f s wall, %8.2f s user, %10.0f runs/s, max RSS %6.1f MB\n" \
        "$t" "$secs" "$user" "$(echo "$RUNS / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
printf "speed-up 1 -> 2 threads: %.2fx\n" "$(echo "${SECONDS_FOR[1]} / ${SECONDS_FOR[2]}" | bc -l)"
cmp "$WORK/out-1/runs.csv" "$WORK/out-2/runs.csv" && cmp "$WORK/out-1/points.csv" "$WORK/out-2/points.csv" \
    && echo "runs.csv and points.csv identical at 1 and 2 threads ($(wc -l < "$WORK/out-1/runs.csv") lines, $(du -h "$WORK/out-1/runs.csv" | cut -f1))"
