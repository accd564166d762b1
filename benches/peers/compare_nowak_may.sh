#!/usr/bin/env bash
# Nowak-May spatial prisoner's dilemma, side by side: `regime run` against the numpy peer
# (numpy_nowak_may.py), whole processes, medians of RUNS (each from its own random lattice,
# 90 % cooperators); then checks that both computed the same thing: numpy started from
# regime's initial lattice (its states.csv) must give
# regime's cooperator share in every round, and the share at b = 1.85 must be 0.318 +- 0.01
# (Nowak & May 1992: 12 ln 2 - 8 for 1.8 < b < 2; mean of the last quarter of the rounds).
#
# Usage:
#   benches/peers/compare_nowak_may.sh                   # 300 x 300, 400 rounds, RUNS=3
#   SIZE=1000 ROUNDS=100 benches/peers/compare_nowak_may.sh
#   MESA=1 benches/peers/compare_nowak_may.sh            # also Mesa's share (99 x 99, 200 rounds)
#
# Environment: SIZE (lattice side, default 300), ROUNDS (default 400), RUNS (default 3),
# THREADS (regime's --threads, default nproc), SEED (regime's --seed, default 1992),
# REGIME (a regime binary to time instead of building target/release/regime), MESA (1: also run mesa_spatial.py from a random start and check its share), MESA_SIZE
# (default 99), MESA_ROUNDS (default 200). Needs GNU time (/usr/bin/time) for peak memory.
# Work files go to a temporary directory that is removed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
size="${SIZE:-300}"; rounds="${ROUNDS:-400}"; runs="${RUNS:-3}"
threads="${THREADS:-$(nproc)}"; seed="${SEED:-1992}"
cells=$((size * size))
pair_rounds=$((5 * cells * rounds))

python="$("$here/setup_venv.sh" ${MESA:+--mesa} | sed -n 's/^PEERS_PYTHON=//p' | tail -n1)"
[[ -n "$python" ]] || { echo "compare_nowak_may: setup_venv.sh gave no python" >&2; exit 3; }
if [[ -z "${REGIME:-}" ]]; then (cd "$root" && cargo build --release --quiet); fi
regime="${REGIME:-$root/target/release/regime}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sets=(--set "blocs[0].count=$cells" --set "topology.width=$size" --set "topology.height=$size"
      --set "rounds=$rounds" --set "regime.negotiation_interval=$rounds"
      --set "regime.sustain_rounds=$rounds")

# median of the numbers on stdin
# shellcheck source=timed.sh
source "$here/timed.sh"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for k in $(seq "$runs"); do
    timed "$work/regime.$k" "$regime" run "$root/scenarios/spatial.toml" \
        --reps 1 --seed "$seed" --threads "$threads" "${sets[@]}" --out "$work/regime" --force -q >/dev/null
    # timed from its own random lattice (reading regime's states.csv is not the peer's work)
    timed "$work/numpy.$k" "$python" "$here/numpy_nowak_may.py" \
        --size "$size" --rounds "$rounds" --seed "$k" >"$work/numpy.out.$k"
done
# the check: numpy from regime's initial lattice
"$python" "$here/numpy_nowak_may.py" --size "$size" --rounds "$rounds" \
    --init-states "$work/regime/states.csv" --out "$work/numpy.csv" >/dev/null
r_wall=$(cat "$work"/regime.* | awk '{print $1}' | median)
r_mb=$(cat "$work"/regime.* | awk '{print $2 / 1024}' | median)
n_wall=$(cat "$work"/numpy.[0-9]* | awk '{print $1}' | median)
n_mb=$(cat "$work"/numpy.[0-9]* | awk '{print $2 / 1024}' | median)
n_inner=$(sed -n 's/^numpy_wall_seconds=//p' "$work"/numpy.out.* | median)

echo "Nowak-May ${size}x${size}, $rounds rounds, b = 1.85, $pair_rounds pair-rounds; medians of $runs whole processes"
awk -v pr="$pair_rounds" -v rw="$r_wall" -v rm="$r_mb" -v nw="$n_wall" -v nm="$n_mb" -v ni="$n_inner" -v t="$threads" 'BEGIN {
    printf "regime (--threads %d): %.3f s, %.3e pair-rounds/s, peak %.0f MB\n", t, rw, pr / rw, rm
    printf "numpy:                %.2f s, %.3e pair-rounds/s, peak %.0f MB (rounds alone %.2f s, %.3e/s)\n", nw, pr / nw, nm, ni, pr / ni
    printf "ratio regime / numpy (whole processes): %.2fx\n", nw / rw
}'

# Same computation: numpy from regime's initial lattice, round by round.
python3 - "$work/regime/timeseries.csv" "$work/numpy.csv" <<'EOF'
import csv, sys
reg = {int(r["round"]): float(r["cooperation"]) for r in csv.DictReader(open(sys.argv[1])) if r["group"] == "all"}
npy = {int(r["round"]): float(r["cooperation"]) for r in csv.DictReader(open(sys.argv[2]))}
worst = max(abs(reg[k] - npy[k]) for k in npy)
tail = sorted(reg)[-max(1, len(reg) // 4):]
mean = sum(reg[k] for k in tail) / len(tail)
print(f"same lattice, {len(npy)} rounds: largest |regime - numpy| cooperator share {worst:.3g}")
print(f"cooperator share, mean of the last {len(tail)} rounds: {mean:.4f} (Nowak & May: 0.318 +- 0.01)")
ok = worst < 1e-12 and abs(mean - 0.318) <= 0.01
print("CHECK", "ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
EOF

if [[ -n "${MESA:-}" ]]; then
    ms="${MESA_SIZE:-99}"; mr="${MESA_ROUNDS:-200}"
    "$python" "$here/mesa_spatial.py" --size "$ms" --rounds "$mr" --init random --p-coop 0.9 \
        --seed 3 --out "$work/mesa.csv" | grep -v '^mesa_wall'
    python3 - "$work/mesa.csv" <<'EOF'
import csv, sys
rows = [float(r["cooperation"]) for r in csv.DictReader(open(sys.argv[1]))]
tail = rows[-max(1, len(rows) // 4):]
mean = sum(tail) / len(tail)
print(f"Mesa cooperator share, mean of the last {len(tail)} rounds: {mean:.4f} (0.318 +- 0.01)")
print("CHECK", "ok" if abs(mean - 0.318) <= 0.01 else "FAILED")
sys.exit(0 if abs(mean - 0.318) <= 0.01 else 1)
EOF
fi
