#!/usr/bin/env bash
# Time the Mesa implementation of the Nowak-May spatial prisoner's dilemma.
#
# Usage:
#   benches/peers/run_mesa_spatial.sh                       # 99x99 torus, 100 rounds, b = 1.85
#   SIZE=200 ROUNDS=50 B=1.6 benches/peers/run_mesa_spatial.sh --init random --seed 3
#
# Environment: SIZE (lattice side, default 99), ROUNDS (default 100), B (temptation,
# default 1.85). Further arguments go to mesa_spatial.py (see its --help), e.g.
# --init random --p-coop 0.9 --seed 3 --out cooperation.csv.
# Sets up target/peers-venv with Mesa first (benches/peers/setup_venv.sh --mesa).
# Prints Mesa's wall time of the rounds (model construction excluded) and the rate in
# cell-rounds/s and pair-rounds/s, to compare with `regime run` on a lattice scenario.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="$("$here/setup_venv.sh" --mesa | sed -n 's/^PEERS_PYTHON=//p' | tail -n1)"
[[ -n "$python" ]] || { echo "run_mesa_spatial: setup_venv.sh gave no python" >&2; exit 3; }
exec "$python" "$here/mesa_spatial.py" --size "${SIZE:-99}" --rounds "${ROUNDS:-100}" --b "${B:-1.85}" "$@"
