#!/usr/bin/env bash
# One-at-a-time table (issue 12): every mechanism of each preset set alone to the other preset's
# value, 50 paired replicates on scenarios/world-data.toml. Writes table.md beside this script.
# Usage: results/one-at-a-time/run.sh [REPS]   (from the repository root; needs a release build)
# The run's CSVs go to a temporary directory and are not kept (about 2 GB of rows would be).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=${1:-50}
bin="$root/target/release/regime"
[ -x "$bin" ] || cargo build --release --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data"
cp "$root/scenarios/data/world-states.csv" "$work/data/"
scenario="$work/one-at-a-time.toml"
python3 "$here/analyze.py" scenario "$root/scenarios/world-data.toml" > "$scenario"
sets=$(python3 "$here/analyze.py" rule-sets)
"$bin" compare "$scenario" --rule-sets "$sets" --reps "$reps" --out "$work/out" -q > /dev/null
python3 "$here/analyze.py" table "$work/out/summary.csv" "$reps" > "$here/table.md"
echo "wrote $here/table.md"
