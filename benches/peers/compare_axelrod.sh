#!/usr/bin/env bash
# Time Axelrod-Python and `regime tournament` on the identical round-robin tournament.
#
# Usage (from anywhere in the repository):
#   benches/peers/compare_axelrod.sh
#   REPS=50 benches/peers/compare_axelrod.sh          # scale the work
#
# Environment (all optional):
#   REPS=5        repetitions of every match, the same on both sides (regime's fixed costs of
#                 about 0.3 ms dominate small tournaments; REPS=1000 compares the engines,
#                 Axelrod then takes about 35 s)
#   TURNS=200     turns per match
#   NOISE=0       probability that a move flips (Axelrod's noise), the same on both sides
#   SEED=1        master seed given to both
#   RUNS=3        regime is timed this many times per thread count; the best is kept
#   THREADS=<nproc>  thread count of the second regime timing (the first uses 1)
#   KEEP=1        keep the output directories (printed) instead of deleting them
#
# The tournament: 10 strategies (the 8 deterministic ones plus gtft and random), every
# unordered pair once per repetition including self-play (55 pairs), standard payoffs 5,3,1,0,
# no noise. Steps:
#   1. benches/peers/setup_venv.sh  (Axelrod-Python 4.13.1 in target/peers-venv)
#   2. cargo build --release --bin regime
#   3. Axelrod-Python: benches/peers/axelrod_tournament.py (Axelrod's serial tournament loop
#      over axl.Match, with its deterministic cache). Its in-process time of playing and
#      scoring the matches is reported; the ~15 s `import axelrod` and CSV writing are not.
#   4. regime tournament with --threads 1 and --threads $THREADS, best of $RUNS: the
#      whole-process wall time (start-up, matches, writing matches.csv and ranking.csv) and
#      the in-process time regime records in manifest.json ("seconds").
# The speed-up is Axelrod's in-process time over each regime time. The whole-process ratio
# understates regime's advantage for small tournaments (process start-up dominates them);
# the in-process ratio compares the two engines like for like.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
REPS="${REPS:-5}"
TURNS="${TURNS:-200}"
NOISE="${NOISE:-0}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
THREADS="${THREADS:-$(nproc 2>/dev/null || echo 2)}"
STRATEGIES="cooperator,defector,tit_for_tat,grudger,win_stay_lose_shift,tit_for_two_tats,suspicious_tit_for_tat,alternator,gtft,random"

for v in REPS TURNS RUNS THREADS; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] ||
        { echo "compare_axelrod: $v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "compare_axelrod: SEED must be a non-negative integer" >&2; exit 2; }

echo "== setting up Axelrod-Python" >&2
python="$("$here/setup_venv.sh" | sed -n 's/^PEERS_PYTHON=//p' | tail -n1)"
[[ -n "$python" ]] || { echo "compare_axelrod: setup_venv.sh gave no python" >&2; exit 3; }

echo "== building regime (release)" >&2
(cd "$root" && cargo build --release --bin regime >&2)
regime="${REGIME:-${CARGO_TARGET_DIR:-$root/target}/release/regime}"
[[ -x "$regime" ]] || { echo "compare_axelrod: $regime not found after the build" >&2; exit 3; }

work="$(mktemp -d -t regime-vs-axelrod.XXXXXX)"
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "== outputs kept in $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
common=(--strategies "$STRATEGIES" --turns "$TURNS" --reps "$REPS" --payoffs 5,3,1,0 --seed "$SEED"
        --noise "$NOISE")

echo "== Axelrod-Python" >&2
axl_log="$work/axelrod.log"
"$python" "$here/axelrod_tournament.py" "${common[@]}" --out "$work/axelrod" --force | tee "$axl_log" >&2
axl_seconds="$(sed -n 's/^axelrod_wall_seconds=//p' "$axl_log")"

# Times $RUNS runs of regime with $1 threads; prints "<best whole-process seconds> <best
# in-process seconds>", the latter read from manifest.json's "seconds" ("nan" if absent).
time_regime() {
    local threads="$1" best="" best_in="" start end t t_in dir="$work/regime-$1"
    for ((run = 0; run < RUNS; run++)); do
        start=$EPOCHREALTIME
        "$regime" tournament "${common[@]}" --threads "$threads" --out "$dir" --force \
            >"$work/regime-$threads.log" 2>&1 ||
            { cat "$work/regime-$threads.log" >&2; echo "compare_axelrod: regime failed" >&2; exit 1; }
        end=$EPOCHREALTIME
        t="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')"
        t_in="$(sed -n 's/^ *"seconds": *\([-0-9.eE+]*\).*/\1/p' "$dir/manifest.json" 2>/dev/null | head -n1)"
        t_in="${t_in:-nan}"
        if [[ -z "$best" ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best="$t"; fi
        if [[ -z "$best_in" || "$best_in" == nan ]] ||
           awk -v t="$t_in" -v b="$best_in" 'BEGIN { exit !(t != "nan" && t + 0 < b + 0) }'; then
            best_in="$t_in"
        fi
    done
    echo "$best $best_in"
}
echo "== regime" >&2
read -r reg1 reg1_in < <(time_regime 1)
read -r regn regn_in < <(time_regime "$THREADS")

rows_axl=$(($(wc -l < "$work/axelrod/matches.csv") - 1))
rows_reg=$(($(wc -l < "$work/regime-1/matches.csv") - 1))
[[ "$rows_axl" == "$rows_reg" ]] ||
    echo "compare_axelrod: WARNING: matches.csv has $rows_axl rows from Axelrod but $rows_reg from regime" >&2

pairs=55
pair_rounds=$((pairs * REPS * TURNS))
awk -v ax="$axl_seconds" -v r1="$reg1" -v rn="$regn" -v r1i="$reg1_in" -v rni="$regn_in" \
    -v n="$THREADS" -v noise="$NOISE" -v pr="$pair_rounds" -v reps="$REPS" -v turns="$TURNS" -v runs="$RUNS" '
function line(label, t) {
    if (t == "nan" || t + 0 <= 0) { printf "%-44s %10s\n", label, "n/a"; return }
    printf "%-44s %10.4f s %14.0f pair-rounds/s", label, t, pr / t
    if (label !~ /^Axelrod/) printf "   speed-up x%.1f", ax / t
    printf "\n"
}
BEGIN {
    printf "\nround robin, 10 strategies (55 pairs incl. self-play) x %d reps x %d turns = %d pair-rounds, noise %s\n", reps, turns, pr, noise
    line("Axelrod-Python, in-process (1 process)", ax)
    line("regime --threads 1, whole process", r1)
    line(sprintf("regime --threads %d, whole process", n), rn)
    line("regime --threads 1, in-process (manifest)", r1i)
    line(sprintf("regime --threads %d, in-process (manifest)", n), rni)
    printf "(regime: best of %d runs; Axelrod: one run, excluding its ~15 s import and CSV writing;\n", runs
    printf " speed-up = Axelrod in-process time / regime time)\n"
}'
