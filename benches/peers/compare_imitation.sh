#!/usr/bin/env bash
# Imitation of the best on a complete graph (issue 16, row 4), side by side: `regime run` (the
# spatial scenario without its lattice, on a complete graph, 5 strategies, noise 0.05, imitate
# the best every 10 rounds, no treaty) against the Mesa peer (mesa_imitation.py), whole
# processes, medians of RUNS; then, with CHECK=1, checks that both compute the same thing from
# many replicates (CHECK_REPS regime replicates, CHECK_MESA_REPS Mesa replicates): the mean
# cooperation share of every round agrees within sampling error (|z| < 4 in every round), and so
# does the distribution over replicates of the final strategy mix (the strategy held by most
# states at the end: a chi-square test of homogeneity, p > 0.001).
#
# Usage:
#   benches/peers/compare_imitation.sh                 # 193 states, 61 rounds, 10 replicates
#   CHECK=1 benches/peers/compare_imitation.sh         # also the check (about 3 minutes)
#
# Environment: STATES (default 193), ROUNDS (61), REPS (10), RUNS (3), THREADS (regime's
# --threads, default nproc), REGIME (a regime binary instead of building
# target/release/regime), CHECK, CHECK_REPS (400), CHECK_MESA_REPS (100). Needs GNU time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
states="${STATES:-193}"; rounds="${ROUNDS:-61}"; reps="${REPS:-10}"; runs="${RUNS:-3}"
threads="${THREADS:-$(nproc)}"
pair_rounds=$((states * (states - 1) / 2 * rounds * reps))

python="$("$here/setup_venv.sh" --mesa | sed -n 's/^PEERS_PYTHON=//p' | tail -n1)"
[[ -n "$python" ]] || { echo "compare_imitation: setup_venv.sh gave no python" >&2; exit 3; }
if [[ -z "${REGIME:-}" ]]; then (cd "$root" && cargo build --release --quiet); fi
regime="${REGIME:-$root/target/release/regime}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# the spatial scenario without its lattice keys, on a complete graph
grep -v -E '^(width|height|self_interaction) ' "$root/scenarios/spatial.toml" > "$work/complete.toml"
sets=(--set "blocs[0].count=$states" --set 'topology.kind="complete"' --set "rounds=$rounds"
      --set "regime.negotiation_interval=$rounds" --set "regime.sustain_rounds=$rounds"
      --set learning.interval=10 --set noise.implementation=0.05
      --set 'learning.strategies=["cooperator", "defector", "tit_for_tat", "grudger", "win_stay_lose_shift"]'
      --set 'blocs[0].strategy={ cooperator = 0.2, defector = 0.2, tit_for_tat = 0.2, grudger = 0.2, win_stay_lose_shift = 0.2 }'
      --set 'issues[0].payoffs={ t = 5.0, r = 3.0, p = 1.0, s = 0.0 }')
mesa_args=(--states "$states" --rounds "$rounds" --interval 10 --noise 0.05 --payoffs 5,3,1,0)

# shellcheck source=timed.sh
source "$here/timed.sh"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for k in $(seq "$runs"); do
    timed "$work/regime.$k" "$regime" run "$work/complete.toml" --reps "$reps" \
        --seed "$k" --threads "$threads" "${sets[@]}" --out "$work/regime" --force -q >/dev/null
    timed "$work/mesa.$k" "$python" "$here/mesa_imitation.py" "${mesa_args[@]}" \
        --reps "$reps" --seed "$((1000 * k))" >"$work/mesa.out.$k"
done
r_wall=$(cat "$work"/regime.* | awk '{print $1}' | median)
r_mb=$(cat "$work"/regime.* | awk '{print $2 / 1024}' | median)
m_wall=$(cat "$work"/mesa.[0-9]* | awk '{print $1}' | median)
m_mb=$(cat "$work"/mesa.[0-9]* | awk '{print $2 / 1024}' | median)
m_inner=$(sed -n 's/^mesa_wall_seconds=//p' "$work"/mesa.out.* | median)

echo "imitation on a complete graph: $states states, $rounds rounds, $reps replicates, $pair_rounds pair-rounds; medians of $runs whole processes"
awk -v pr="$pair_rounds" -v rw="$r_wall" -v rm="$r_mb" -v mw="$m_wall" -v mm="$m_mb" -v mi="$m_inner" -v t="$threads" 'BEGIN {
    printf "regime (--threads %d): %.3f s, %.3e pair-rounds/s, peak %.0f MB\n", t, rw, pr / rw, rm
    printf "Mesa:                  %.2f s, %.3e pair-rounds/s, peak %.0f MB (replicates alone %.2f s, %.3e/s)\n", mw, pr / mw, mm, mi, pr / mi
    printf "ratio regime / Mesa: %.0fx whole processes, %.0fx against Mesa without its start-up\n", mw / rw, mi / rw
}'

[[ "${CHECK:-0}" == 1 ]] || exit 0
check_reps="${CHECK_REPS:-400}"; check_mesa="${CHECK_MESA_REPS:-100}"
"$regime" run "$work/complete.toml" --reps "$check_reps" --seed 7 --threads "$threads" "${sets[@]}" \
    --out "$work/check-regime" --force -q >/dev/null
"$python" "$here/mesa_imitation.py" "${mesa_args[@]}" --reps "$check_mesa" --seed 7000 \
    --out "$work/check-mesa" | grep -v '^mesa_wall'
"$python" - "$work/check-regime" "$work/check-mesa" <<'EOF'
import csv, math, sys
from collections import Counter, defaultdict
from scipy.stats import chi2_contingency

reg, mesa = sys.argv[1], sys.argv[2]
def per_round(rows, rep, rnd):
    out = defaultdict(dict)
    for r in rows:
        out[int(r[rnd])][r[rep]] = float(r["cooperation"])
    return {k: list(v.values()) for k, v in out.items()}
rc = per_round([r for r in csv.DictReader(open(f"{reg}/timeseries.csv")) if r["group"] == "all"], "replicate", "round")
mc = per_round(csv.DictReader(open(f"{mesa}/timeseries.csv")), "replicate", "round")
def mean_var(xs):
    m = sum(xs) / len(xs)
    return m, sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
worst = (0.0, None)
for k in sorted(rc):
    (a, va), (b, vb) = mean_var(rc[k]), mean_var(mc[k])
    se = math.sqrt(va / len(rc[k]) + vb / len(mc[k]))
    z = (a - b) / se if se > 0 else (0.0 if a == b else math.inf)
    if abs(z) >= abs(worst[0]):
        worst = (z, k, a, b)
    if k in (0, 9, 10, len(rc) - 1):
        print(f"round {k:2d}: mean cooperation regime {a:.4f}, Mesa {b:.4f} (z = {z:+.2f})")
print(f"largest |z| over {len(rc)} rounds: {abs(worst[0]):.2f} (round {worst[1]}: {worst[2]:.4f} vs {worst[3]:.4f})")

# the final mix: the strategy held by most states at the end of each replicate
def majority(finals):
    return Counter(max(v, key=lambda s: v[s]) for v in finals.values())
rf = defaultdict(dict)
for r in csv.DictReader(open(f"{reg}/states.csv")):
    rf[r["replicate"]][r["final_strategy"]] = rf[r["replicate"]].get(r["final_strategy"], 0) + 1
mf = defaultdict(dict)
for r in csv.DictReader(open(f"{mesa}/final.csv")):
    mf[r["replicate"]][r["strategy"]] = int(r["states"])
ra, ma = majority(rf), majority(mf)
names = sorted(set(ra) | set(ma))
print("final majority strategy (share of replicates):")
for s in names:
    print(f"  {s:20s} regime {ra[s] / len(rf):.3f} ({ra[s]}/{len(rf)})   Mesa {ma[s] / len(mf):.3f} ({ma[s]}/{len(mf)})")
unanimous = lambda f: sum(max(v.values()) == sum(v.values()) for v in f.values()) / len(f)
print(f"replicates ending with one strategy everywhere: regime {unanimous(rf):.3f}, Mesa {unanimous(mf):.3f}")
p = chi2_contingency([[ra[s] for s in names], [ma[s] for s in names]])[1] if len(names) > 1 else 1.0
print(f"chi-square test of homogeneity of the final majority strategy: p = {p:.3g}")
ok = abs(worst[0]) < 4 and p > 0.001
print("CHECK", "ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
EOF
