#!/usr/bin/env python3
"""Nowak-May spatial prisoner's dilemma in Mesa, timed, as a peer for `regime run`.

The model (Nowak & May 1992, "Evolutionary games and spatial chaos", Nature 359):

* one agent per cell of an L x L square lattice wrapped into a torus;
* each agent is a pure cooperator (C) or defector (D);
* every round each agent plays the one-shot game with its 8 Moore neighbours and with
  itself (self-interaction), payoffs R = 1, T = b, S = 0, P = 0 (the weak dilemma of the
  paper; ``--punishment`` sets P), and its score is the sum;
* then all agents at once (synchronous update) adopt the strategy of the highest scorer
  among their neighbours and themselves; an agent keeps its own strategy unless a neighbour
  scored strictly more; ties between neighbours go to the first in Mesa's neighbourhood order.

The code is plain, idiomatic Mesa 3 (``OrthogonalMooreGrid`` with ``torus=True``,
``CellAgent``, ``AgentSet.do``), as a Mesa user would write it; no vectorisation.

Initial conditions: ``--init single_defector`` (all C and one D at the centre: the
deterministic "kaleidoscope" of the paper for 1.8 < b < 2; use an odd ``--size``) or
``--init random`` (each cell C with probability ``--p-coop``, from ``--seed``).

Prints the wall time of the rounds (model construction excluded) as a human line and as
``mesa_wall_seconds=<float>``; ``--out FILE`` writes ``round,cooperation`` (the share of C
after each round; round 0 is the initial lattice).

    target/peers-venv/bin/python benches/peers/mesa_spatial.py --size 99 --rounds 100 --b 1.85
"""

from __future__ import annotations

import argparse
import csv
import sys
import time

import mesa
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

C, D = "C", "D"


class Player(CellAgent):
    """A pure cooperator or defector occupying one cell."""

    def __init__(self, model: "NowakMay", cell, strategy: str) -> None:
        super().__init__(model)
        self.cell = cell
        self.strategy = strategy
        self.next_strategy = strategy
        self.score = 0.0

    def play(self) -> None:
        """Score of this round: the game against every Moore neighbour and against itself."""
        payoff = self.model.payoff
        own = self.strategy
        score = payoff[(own, own)]
        for other in self.cell.neighborhood.agents:
            score += payoff[(own, other.strategy)]
        self.score = score

    def imitate(self) -> None:
        """Choose the strategy of the best scorer among the neighbours and self."""
        best = self
        for other in self.cell.neighborhood.agents:
            if other.score > best.score:
                best = other
        self.next_strategy = best.strategy

    def advance(self) -> None:
        self.strategy = self.next_strategy


class NowakMay(mesa.Model):
    """Synchronous imitate-the-best dynamics of the spatial prisoner's dilemma."""

    def __init__(self, size: int, b: float, punishment: float, init: str, p_coop: float, seed: int):
        super().__init__(seed=seed)
        self.payoff = {(C, C): 1.0, (C, D): 0.0, (D, C): b, (D, D): punishment}
        self.grid = OrthogonalMooreGrid((size, size), torus=True, capacity=1, random=self.random)
        centre = (size // 2, size // 2)
        for cell in self.grid.all_cells:
            if init == "single_defector":
                strategy = D if cell.coordinate == centre else C
            else:
                strategy = C if self.random.random() < p_coop else D
            Player(self, cell, strategy)

    def step(self) -> None:
        self.agents.do("play")
        self.agents.do("imitate")
        self.agents.do("advance")

    def cooperation(self) -> float:
        return sum(a.strategy == C for a in self.agents) / len(self.agents)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=99, help="lattice side L (L x L cells, torus); default 99")
    p.add_argument("--rounds", type=int, default=100, help="rounds to run; default 100")
    p.add_argument("--b", type=float, default=1.85, help="temptation T = b (R = 1, S = 0); default 1.85")
    p.add_argument("--punishment", type=float, default=0.0, help="P (default 0, as in Nowak & May)")
    p.add_argument("--init", choices=("single_defector", "random"), default="single_defector")
    p.add_argument("--p-coop", type=float, default=0.9, help="share of C for --init random; default 0.9")
    p.add_argument("--seed", type=int, default=0, help="seed for --init random; default 0")
    p.add_argument("--out", help="write round,cooperation to this CSV file")
    args = p.parse_args(argv)
    if args.size < 3 or args.rounds < 0 or not 0 <= args.p_coop <= 1:
        p.error("need --size >= 3, --rounds >= 0 and --p-coop in [0, 1]")

    model = NowakMay(args.size, args.b, args.punishment, args.init, args.p_coop, args.seed)
    cooperation = [model.cooperation()]
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        model.step()
        if args.out:
            cooperation.append(model.cooperation())
    wall = time.perf_counter() - t0
    if not args.out:
        cooperation.append(model.cooperation())

    cells = args.size * args.size
    # Distinct games per round: 4 neighbour pairs per cell (8 neighbours, each pair counted
    # once) plus the self-interaction; both players of a pair score it, as in the paper.
    pair_rounds = cells * 5 * args.rounds
    rate = pair_rounds / wall if wall > 0 else float("inf")
    print(
        f"mesa {mesa.__version__}: Nowak-May {args.size}x{args.size} torus, b={args.b}, "
        f"{args.rounds} rounds in {wall:.3f} s ({cells * args.rounds / wall if wall else 0:,.0f} "
        f"cell-rounds/s, {rate:,.0f} pair-rounds/s); final cooperation {cooperation[-1]:.4f}"
    )
    if args.out:
        with open(args.out, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["round", "cooperation"])
            for r, c in enumerate(cooperation):
                w.writerow([r, repr(c)])
    print(f"mesa_wall_seconds={wall:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
