#!/usr/bin/env bash
# Particles per second and the fraction of thread time spent outside simulation (parsing each
# particle's scenario, statistics, proposals, weights, writing, waiting at the end of a batch) of
# `regime calibrate`, on the two shipped examples, at 1 and 2 threads; checks that both thread
# counts give a byte-identical particles.csv. The figures come from each run's manifest.json
# (`seconds`, `simulation_seconds_this_session`, `fraction_outside_simulation`).
# Usage: benches/calibrate.sh [RUNS_DIR]   (default: a temporary directory, removed after)
# SKIP_BUILD=1 uses the existing release binary. Record the figures in results/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/regime"
WORK="${1:-$(mktemp -d)}"
[ -n "${1:-}" ] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"

# name | scenario | extra --set overrides (the world fit cut down to a benchmark's size)
CASES=(
  "teaching-labour|scenarios/calibrate/teaching-labour.toml|"
  "world-patterns|scenarios/calibrate/world-patterns.toml|--set calibrate.population=24 --set calibrate.generations=2"
)
printf '%-16s %7s %9s %10s %8s %11s %9s\n' case threads particles simulations seconds particles/s outside
for c in "${CASES[@]}"; do
  IFS='|' read -r name scenario sets <<<"$c"
  for t in 1 2; do
    out="$WORK/$name-$t"
    # shellcheck disable=SC2086
    "$BIN" calibrate "$scenario" $sets --threads "$t" --out "$out" --force -q
    python3 - "$out/manifest.json" "$name" "$t" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
sims = sum(g["simulations"] for g in m["generations"])
parts = m["particles_this_session"]
print(f'{sys.argv[2]:<16} {sys.argv[3]:>7} {parts:>9} {sims:>10} {m["seconds"]:>8.2f} '
      f'{parts / m["seconds"]:>11.1f} {100 * m["fraction_outside_simulation"]:>8.1f}%')
PY
  done
  cmp "$WORK/$name-1/particles.csv" "$WORK/$name-2/particles.csv" \
    && echo "$name: particles.csv identical at 1 and 2 threads"
done
