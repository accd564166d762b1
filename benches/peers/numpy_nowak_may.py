#!/usr/bin/env python3
"""Nowak-May spatial prisoner's dilemma in numpy, timed, as a peer for `regime run`.

The model of Nowak & May (1992), "Evolutionary games and spatial chaos", Nature 359:
an H x W torus of pure cooperators (C) and defectors (D); every round each cell plays the
one-shot game with its 8 Moore neighbours and with itself, R = 1, T = b, S = P = 0, and then
all cells at once copy the strategy of the best scorer among their neighbours and themselves
(imitate the best). It is the model of `scenarios/spatial.toml` and of `mesa_spatial.py`.

Written as a numpy user would: whole-lattice arrays, `np.roll` for the eight shifts. With
S = P = 0 a cooperator scores the number of cooperators in its neighbourhood including itself
and a defector b times the number of cooperating neighbours. Imitation: the best score of each
neighbourhood, and a cell becomes C if a cell of its neighbourhood with that score is C. With
b = 1.85 a cooperator's score is an integer >= 1 and a defector's a multiple of 1.85, so a C
and a D tie only if both score 0, which a cooperator cannot: the update is unambiguous and the
same as regime's (keep one's own strategy on ties) and Mesa's.

Initial lattice: each cell C with probability ``--p-coop`` from ``--seed``, or
``--init-states FILE``: the ``initial_strategy`` column of a regime ``states.csv`` (its rows in state
order; state i at x = i % W, y = i // W), so that both tools start from the same lattice and their cooperator
shares can be compared round by round.

Prints the wall time of the rounds (set-up excluded) as ``numpy_wall_seconds=<float>``,
pair-rounds/s (5 stage games per cell and round: 4 undirected Moore links and itself), the
peak resident memory (``numpy_peak_mb=``), the final cooperator share and its mean over the
last quarter of the rounds; ``--out FILE`` writes ``round,cooperation`` (the share of C played
in each round, as regime's timeseries.csv ``cooperation`` for the whole lattice).

    target/peers-venv/bin/python benches/peers/numpy_nowak_may.py --size 300 --rounds 400
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time

import numpy as np

SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]  # includes (0, 0): itself


def neighbourhood_sum(a: np.ndarray) -> np.ndarray:
    """Sum over the Moore neighbourhood and the cell itself, on the torus."""
    total = np.zeros_like(a)
    for dy, dx in SHIFTS:
        total += np.roll(a, (dy, dx), axis=(0, 1))
    return total


def step(coop: np.ndarray, b: float) -> np.ndarray:
    """One round: scores, then every cell imitates the best scorer of its neighbourhood."""
    c = coop.astype(np.float64)
    n_coop = neighbourhood_sum(c)
    score = np.where(coop, n_coop, b * n_coop)
    best = score.copy()
    for dy, dx in SHIFTS:
        np.maximum(best, np.roll(score, (dy, dx), axis=(0, 1)), out=best)
    becomes_c = np.zeros_like(coop)
    for dy, dx in SHIFTS:
        shifted = (dy, dx)
        becomes_c |= (np.roll(score, shifted, axis=(0, 1)) == best) & np.roll(coop, shifted, axis=(0, 1))
    return becomes_c


def initial_lattice(args: argparse.Namespace) -> np.ndarray:
    h = w = args.size
    if args.init_states:
        # states.csv lists a run's states in index order (state i at x = i % W, y = i // W).
        strategy: list[str] = []
        with open(args.init_states, newline="") as f:
            for row in csv.DictReader(f):
                if row["rule_set"] == args.rule_set and row["replicate"] == "0":
                    strategy.append(row["initial_strategy"])
        if len(strategy) != h * w:
            sys.exit(f"numpy_nowak_may: {args.init_states} has {len(strategy)} states, need {h * w}")
        flat = np.array([s == "cooperator" for s in strategy])
        return flat.reshape(h, w)
    rng = np.random.default_rng(args.seed)
    return rng.random((h, w)) < args.p_coop


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=300, help="lattice side L (L x L torus); default 300")
    p.add_argument("--rounds", type=int, default=400, help="rounds; default 400")
    p.add_argument("--b", type=float, default=1.85, help="temptation T = b; default 1.85")
    p.add_argument("--p-coop", type=float, default=0.9, help="initial share of C; default 0.9")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial lattice; default 0")
    p.add_argument("--init-states", help="regime states.csv to take the initial lattice from")
    p.add_argument("--rule-set", default="plain", help="rule set of --init-states rows; default plain")
    p.add_argument("--out", help="write round,cooperation to this CSV file")
    args = p.parse_args()

    coop = initial_lattice(args)
    shares = []
    start = time.perf_counter()
    for _ in range(args.rounds):
        shares.append(float(coop.mean()))  # the moves of this round
        coop = step(coop, args.b)
    wall = time.perf_counter() - start

    cells = args.size * args.size
    pair_rounds = 5 * cells * args.rounds
    tail = shares[-max(1, args.rounds // 4):]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"numpy Nowak-May {args.size}x{args.size}, {args.rounds} rounds, b = {args.b}: "
          f"{wall:.3f} s, {pair_rounds / wall:.3e} pair-rounds/s, peak {peak_mb:.0f} MB")
    print(f"cooperation: final {shares[-1]:.4f}, mean of the last {len(tail)} rounds {np.mean(tail):.4f}")
    print(f"numpy_wall_seconds={wall:.6f}")
    print(f"numpy_pair_rounds_per_second={pair_rounds / wall:.6e}")
    print(f"numpy_peak_mb={peak_mb:.1f}")
    print(f"numpy_cooperation_tail_mean={np.mean(tail):.6f}")
    if args.out:
        with open(args.out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["round", "cooperation"])
            for r, s in enumerate(shares):
                w.writerow([r, repr(s)])


if __name__ == "__main__":
    main()
