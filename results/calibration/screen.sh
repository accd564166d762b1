#!/usr/bin/env bash
# Posterior-predictive screen (issue 13, session 10): every particle of the shipped fit's last
# generation (results/calibration/particles.csv, generation 4) run for 10 replicates at seed 11
# (SEED), not a seed of the fit or of the checks, scored by patterns.py. Writes one line per
# particle to standard output:
#   results/calibration/screen.sh > results/calibration/screen.txt      (about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
python3 - <<'PY' > "$work/particles.txt"
import csv
rows=[r for r in csv.DictReader(open('results/calibration/particles.csv')) if r['generation']=='4']
params=[k for k in rows[0] if k.startswith(('rules.','regime.','issues['))]
params=[p for p in params if not p.endswith(('_members','_binding','_forming','_gulf','_parties'))]
for r in rows:
    print(r['particle'], ' '.join(f"--set {p}={r[p]}" for p in params))
PY
while read -r id sets; do
  out="$work/p$id"; rm -rf $out
  "${REGIME:-./target/release/regime}" run scenarios/calibrated.toml --seed ${SEED:-11} --reps 10 --set 'rule_sets=["calibrated"]' $sets --out $out -q --threads 2 >/dev/null 2>&1 || { echo "$id fail"; continue; }
  echo "$id $(python3 results/calibration/patterns.py $out | grep '^calibrated')"
  rm -rf $out
done < "$work/particles.txt"
