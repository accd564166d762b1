#!/usr/bin/env python3
"""Imitation of the best on a complete graph in Mesa, timed, as a peer for `regime run`.

The model is `regime`'s row 4 of issue 16 (benches/issue16_table.sh): the spatial scenario
without its lattice, on a complete graph, with every regime mechanism off:

* ``--states`` states (default 193), every pair of distinct states linked;
* each state starts with one of five strategies drawn uniformly and independently
  (cooperator, defector, tit_for_tat, grudger, win_stay_lose_shift);
* every round every linked pair plays the prisoner's dilemma once (T, R, P, S = 5, 3, 1, 0);
  each side's strategy is a machine with its own state per partner (tit_for_tat remembers the
  partner's last move on that link, grudger whether the partner ever defected on it,
  win_stay_lose_shift the last outcome), and each intended move flips with probability
  ``--noise`` (implementation noise, default 0.05); machines step on the executed moves;
* every ``--interval`` rounds (after round t when (t + 1) is a multiple of it, except after
  the last round) every state compares the payoffs summed since the last revision, its own and
  its neighbours', and all switch at once to the strategy of a best scorer: its own if a tied
  best scorer uses it, else the tied strategy first by name; a state that switches restarts its
  machines on every link; the sums start afresh;
* ``--rounds`` rounds (default 61), ``--reps`` independent replicates (default 10).

It is plain, idiomatic Mesa 3: one ``mesa.Agent`` per state holding its strategy, its
per-partner machine states and its score; the model's step plays every link in a fixed
order, then ``AgentSet.do`` runs the revision and the switch. No vectorisation.

Prints the wall time of the replicates (models built and run, the import excluded) as a human
line and as ``mesa_wall_seconds=<float>``. ``--out DIR`` writes ``timeseries.csv``
(replicate,round,cooperation: the share of executed C moves in the round) and ``final.csv``
(replicate,strategy,states: the strategies after the last round).

    target/peers-venv/bin/python benches/peers/mesa_imitation.py --reps 10 --seed 1
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time

import mesa

C, D = 0, 1  # moves (as in regime: C = 0, D = 1)

# Machines: cooperation in each state, and the next state from (state, own move, partner's
# move). State 0 is the first move; the same machines as regime's `Strategy::machine`.
MACHINES = {
    "cooperator": ((True,), lambda s, own, partner: 0),
    "defector": ((False,), lambda s, own, partner: 0),
    # state 1: the partner's last move was C, 2: it was D
    "tit_for_tat": ((True, True, False), lambda s, own, partner: 1 + partner),
    # state 1: the partner has defected
    "grudger": ((True, False), lambda s, own, partner: 1 if s == 1 or partner == D else 0),
    # state 1: last outcome CC or DD (stay or shift to C), 2: CD or DC
    "win_stay_lose_shift": ((True, True, False), lambda s, own, partner: 1 if own == partner else 2),
}
STRATEGIES = tuple(MACHINES)


class State(mesa.Agent):
    """A state: its strategy, one machine state per partner, its payoff since the last revision."""

    def __init__(self, model: "Imitation", strategy: str) -> None:
        super().__init__(model)
        self.strategy = strategy
        self.next_strategy = strategy
        self.machine = {}  # partner's unique_id -> this side's machine state (0 if absent)
        self.score = 0.0

    def intended(self, partner: "State") -> int:
        coop, _ = MACHINES[self.strategy]
        return C if coop[self.machine.get(partner.unique_id, 0)] else D

    def observe(self, partner: "State", own: int, theirs: int) -> None:
        _, step = MACHINES[self.strategy]
        key = partner.unique_id
        self.machine[key] = step(self.machine.get(key, 0), own, theirs)

    def revise(self) -> None:
        """Imitate the best among the neighbours (every other state) and self."""
        scorers = [self, *self.model.neighbours(self)]
        best = max(a.score for a in scorers)
        tied = {a.strategy for a in scorers if a.score == best}
        self.next_strategy = self.strategy if self.strategy in tied else min(tied)

    def switch(self) -> None:
        if self.next_strategy != self.strategy:
            self.strategy = self.next_strategy
            self.machine.clear()  # restart on every link
        self.score = 0.0


class Imitation(mesa.Model):
    """Repeated prisoner's dilemma on a complete graph with imitation of the best."""

    def __init__(self, states: int, noise: float, interval: int, rounds: int, payoffs, seed: int):
        super().__init__(seed=seed)
        t, r, p, s = payoffs
        self.payoff = {(C, C): r, (C, D): s, (D, C): t, (D, D): p}
        self.noise = noise
        self.interval = interval
        self.rounds = rounds
        self.round = 0
        for _ in range(states):
            State(self, self.random.choice(STRATEGIES))
        players = list(self.agents)
        # the complete graph: every unordered pair once, in a fixed order
        self.links = [(a, b) for i, a in enumerate(players) for b in players[i + 1:]]
        self.cooperation = []

    def neighbours(self, agent: State):
        return (a for a in self.agents if a is not agent)

    def executed(self, move: int) -> int:
        return 1 - move if self.random.random() < self.noise else move

    def step(self) -> None:
        payoff, cooperated = self.payoff, 0
        for a, b in self.links:
            ya = self.executed(a.intended(b))
            yb = self.executed(b.intended(a))
            a.score += payoff[(ya, yb)]
            b.score += payoff[(yb, ya)]
            a.observe(b, ya, yb)
            b.observe(a, yb, ya)
            cooperated += (ya == C) + (yb == C)
        self.cooperation.append(cooperated / (2 * len(self.links)))
        last = self.round + 1 == self.rounds
        if not last and (self.round + 1) % self.interval == 0:
            self.agents.do("revise")
            self.agents.do("switch")
        self.round += 1

    def shares(self):
        return {s: sum(a.strategy == s for a in self.agents) for s in STRATEGIES}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--states", type=int, default=193, help="states (complete graph); default 193")
    p.add_argument("--rounds", type=int, default=61, help="rounds per replicate; default 61")
    p.add_argument("--interval", type=int, default=10, help="rounds between revisions; default 10")
    p.add_argument("--noise", type=float, default=0.05, help="implementation noise; default 0.05")
    p.add_argument("--payoffs", default="5,3,1,0", help="T,R,P,S; default 5,3,1,0")
    p.add_argument("--reps", type=int, default=10, help="replicates; default 10")
    p.add_argument("--seed", type=int, default=1, help="seed of replicate 0 (replicate k: seed + k)")
    p.add_argument("--out", help="directory for timeseries.csv and final.csv")
    args = p.parse_args(argv)
    payoffs = tuple(float(x) for x in args.payoffs.split(","))
    if args.states < 2 or args.rounds < 1 or args.interval < 1 or args.reps < 1 or len(payoffs) != 4:
        p.error("need --states >= 2, --rounds >= 1, --interval >= 1, --reps >= 1 and four payoffs")

    t0 = time.perf_counter()
    runs = []
    for k in range(args.reps):
        model = Imitation(args.states, args.noise, args.interval, args.rounds, payoffs, args.seed + k)
        for _ in range(args.rounds):
            model.step()
        runs.append((model.cooperation, model.shares()))
    wall = time.perf_counter() - t0

    pair_rounds = args.states * (args.states - 1) // 2 * args.rounds * args.reps
    print(
        f"mesa {mesa.__version__}: imitation on a complete graph, {args.states} states, "
        f"{args.rounds} rounds, {args.reps} replicates in {wall:.3f} s "
        f"({pair_rounds / wall:,.0f} pair-rounds/s)"
    )
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "timeseries.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["replicate", "round", "cooperation"])
            for k, (coop, _) in enumerate(runs):
                w.writerows([k, r, repr(c)] for r, c in enumerate(coop))
        with open(os.path.join(args.out, "final.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["replicate", "strategy", "states"])
            for k, (_, shares) in enumerate(runs):
                w.writerows([k, s, n] for s, n in shares.items())
    print(f"mesa_wall_seconds={wall:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
