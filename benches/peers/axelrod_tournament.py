#!/usr/bin/env python3
"""Run a round-robin tournament with Axelrod-Python, in `regime tournament`'s format.

This is the peer implementation used by tests/axelrod_crosscheck.rs and
benches/peers/compare_axelrod.sh. It takes the same arguments as

    regime tournament --strategies a,b,... --turns T --reps R [--noise e]
                      [--payoffs T,R,P,S] [--seed S] [--threads N] --out DIR
                      [--force] [--record-actions]

and writes, into DIR,

    matches.csv  player_a,player_b,rep,score_a,score_b,cooperation_a,cooperation_b
    actions.csv  player_a,player_b,rep,turn,action_a,action_b   (--record-actions)

Every unordered pair of the listed strategies plays once per repetition,
including self-play (pairs i <= j in command-line order, player_a = i), exactly
as axl.Tournament does. Scores are total payoffs over the match, cooperation is
the share of turns a player played C, rep is 0-based and turn 1-based.

Two engines run the same matches:

* ``--engine match`` (default): the loop of ``axl.Tournament`` run serially,
  written out: for each pair one ``axl.Match`` (fresh player instances, the
  pair's seed from ``axl`` 's ``BulkRandomGenerator(seed)``) played ``reps``
  times, so deterministic matches come from Axelrod's deterministic cache after
  the first repetition, just as in a tournament. Scores and cooperation come
  from ``Match.final_score()`` and ``Match.normalised_cooperation()``.
* ``--engine tournament``: ``axl.Tournament(...).play(build_results=False)``
  with ``processes=threads`` when threads > 1; the interactions file it writes
  is read back and scored with ``axl.interaction_utils``.

Both use the same seeds, so they give identical output. With noise or
stochastic strategies the results are Axelrod's own random draws, which cannot
match regime's (different generators): compare those statistically only.

The wall time of the Axelrod part (playing and scoring the matches; not the
~15 s ``import axelrod`` nor writing the CSVs) is printed on stdout as a human
line and as ``axelrod_wall_seconds=<float>``.

Strategy names (short aliases in brackets, case-insensitive) and the
Axelrod-Python class each maps to:

    cooperator [ALLC]                 axl.Cooperator
    defector [ALLD]                   axl.Defector
    tit_for_tat [TFT]                 axl.TitForTat
    grudger [GRIM]                    axl.Grudger
    win_stay_lose_shift [WSLS,PAVLOV] axl.WinStayLoseShift
    tit_for_two_tats [TF2T]           axl.TitFor2Tats
    suspicious_tit_for_tat [STFT]     axl.SuspiciousTitForTat
    alternator                        axl.Alternator
    gtft [GTFT], gtft(p)              axl.GTFT(p)  (default p from the payoffs)
    random, random(p)                 axl.Random(p)  (default p = 0.5)
    memory_one(pcc,pcd,pdc,pdd[,C|D]) axl.MemoryOnePlayer((pcc,pcd,pdc,pdd), C|D)

Names are written to the CSVs in the long form, e.g. ``tit_for_tat`` and
``memory_one(1,0,0,1,C)`` (numbers in Python's shortest form, ``1`` not
``1.0``; first move always spelled out).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

# ---------------------------------------------------------------------------
# Strategy specifications (parsed without importing axelrod, which is slow)
# ---------------------------------------------------------------------------

#: long name -> (Axelrod class name, aliases)
SIMPLE = {
    "cooperator": ("Cooperator", ["allc"]),
    "defector": ("Defector", ["alld"]),
    "tit_for_tat": ("TitForTat", ["tft"]),
    "grudger": ("Grudger", ["grim"]),
    "win_stay_lose_shift": ("WinStayLoseShift", ["wsls", "pavlov"]),
    "tit_for_two_tats": ("TitFor2Tats", ["tf2t"]),
    "suspicious_tit_for_tat": ("SuspiciousTitForTat", ["stft"]),
    "alternator": ("Alternator", []),
}
ALIASES = {alias: long for long, (_, aliases) in SIMPLE.items() for alias in aliases}


def fmt_number(x: float) -> str:
    """Shortest decimal form: 1.0 -> '1', 0.25 -> '0.25'."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Spec:
    """One strategy as named on the command line, in canonical form."""

    kind: str  # a SIMPLE key, or "gtft", "random", "memory_one"
    params: Tuple[float, ...] = ()
    initial: str = "C"  # memory_one only

    @property
    def name(self) -> str:
        if self.kind in SIMPLE:
            return self.kind
        if self.kind in ("gtft", "random"):
            default = self.kind == "random" and self.params == (0.5,)
            if not self.params or default:
                return self.kind
            return f"{self.kind}({fmt_number(self.params[0])})"
        nums = ",".join(fmt_number(p) for p in self.params)
        return f"memory_one({nums},{self.initial})"

    @property
    def deterministic(self) -> bool:
        if self.kind in SIMPLE:
            return True
        if self.kind == "memory_one":
            return all(p in (0.0, 1.0) for p in self.params)
        return False

    def factory(self, axl) -> Callable[[], object]:
        """A zero-argument constructor of a fresh Axelrod player."""
        if self.kind in SIMPLE:
            return getattr(axl, SIMPLE[self.kind][0])
        if self.kind == "gtft":
            p = self.params[0] if self.params else None
            return lambda: axl.GTFT(p)
        if self.kind == "random":
            p = self.params[0] if self.params else 0.5
            return lambda: axl.Random(p)
        initial = axl.Action.C if self.initial == "C" else axl.Action.D
        vector = tuple(self.params)
        return lambda: axl.MemoryOnePlayer(vector, initial)


def split_top_level(text: str) -> List[str]:
    """Split on commas that are not inside parentheses."""
    items, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' in {text!r}")
        if ch == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise ValueError(f"unbalanced '(' in {text!r}")
    items.append("".join(current).strip())
    return items


def parse_probability(text: str, where: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{where}: {text!r} is not a probability in [0, 1]")
    return p


def parse_strategy(text: str) -> Spec:
    raw = text.strip()
    lowered = raw.lower().replace("-", "_")
    if "(" not in raw:
        key = ALIASES.get(lowered, lowered)
        if key in SIMPLE or key in ("gtft", "random"):
            return Spec(key)
        if key == "memory_one":
            raise ValueError("memory_one needs its four probabilities: memory_one(pcc,pcd,pdc,pdd[,C|D])")
        raise ValueError(f"unknown strategy {raw!r}")
    if not raw.endswith(")"):
        raise ValueError(f"malformed strategy {raw!r}")
    head, body = raw[:-1].split("(", 1)
    head = head.strip().lower().replace("-", "_")
    args = [a.strip() for a in body.split(",")] if body.strip() else []
    if head in ("gtft", "random"):
        if len(args) != 1:
            raise ValueError(f"{head}(p) takes exactly one probability, got {raw!r}")
        return Spec(head, (parse_probability(args[0], raw),))
    if head == "memory_one":
        initial = "C"
        if len(args) == 5:
            initial = args.pop().upper()
            if initial not in ("C", "D"):
                raise ValueError(f"{raw}: first move must be C or D, got {initial!r}")
        if len(args) != 4:
            raise ValueError(f"memory_one takes four probabilities and an optional first move, got {raw!r}")
        return Spec("memory_one", tuple(parse_probability(a, raw) for a in args), initial)
    raise ValueError(f"unknown strategy {raw!r}")


def parse_payoffs(text: str) -> Tuple[float, float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError(f"--payoffs wants T,R,P,S, got {text!r}")
    try:
        t, r, p, s = (float(x) for x in parts)
    except ValueError:
        raise ValueError(f"--payoffs wants four numbers T,R,P,S, got {text!r}") from None
    if not all(math.isfinite(x) for x in (t, r, p, s)):
        raise ValueError(f"--payoffs must be finite, got {text!r}")
    if not t > r > p > s:
        raise ValueError(f"--payoffs {text!r} is not a prisoner's dilemma: need T > R > P > S")
    # Keep integers as ints so Axelrod's scores print like regime's (15, not 15.0).
    as_num = lambda x: int(x) if x.is_integer() else x  # noqa: E731
    return tuple(as_num(x) for x in (t, r, p, s))  # type: ignore[return-value]


# ---------------------------------------------------------------------------
# Running the matches
# ---------------------------------------------------------------------------

Interaction = List[Tuple[object, object]]  # [(action_a, action_b), ...] per turn


def play_match_engine(axl, specs: Sequence[Spec], turns, reps, game, noise, seed):
    """Axelrod's serial tournament loop: one Match per pair, played reps times.

    Returns (results, seconds spent in Axelrod)."""
    t0 = time.perf_counter()
    seeds = axl.random_.BulkRandomGenerator(seed)
    out = []
    n = len(specs)
    for i in range(n):
        for j in range(i, n):
            players = (specs[i].factory(axl)(), specs[j].factory(axl)())
            match = axl.Match(players, turns=turns, game=game, noise=noise, seed=next(seeds))
            for rep in range(reps):
                match.play()
                out.append((i, j, rep, match.result, match.final_score(), match.normalised_cooperation()))
    return out, time.perf_counter() - t0


def play_tournament_engine(axl, specs: Sequence[Spec], turns, reps, game, noise, seed, threads):
    """axl.Tournament.play(build_results=False), interactions read back from its file.

    Returns (results, seconds spent in Axelrod: building the tournament, playing
    it and scoring the interactions; reading its file back is not counted)."""
    t0 = time.perf_counter()
    iu = axl.interaction_utils
    players = [s.factory(axl)() for s in specs]
    tournament = axl.Tournament(players, game=game, turns=turns, repetitions=reps, noise=noise, seed=seed)
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="axelrod-interactions-")
    os.close(fd)
    try:
        tournament.play(
            build_results=False,
            filename=path,
            processes=threads if threads > 1 else None,
            progress_bar=False,
        )
        seconds = time.perf_counter() - t0
        # The file has two rows per interaction, sharing its "Interaction
        # index": first player A's history (index pair (i, j), i <= j), then
        # player B's (with the indices swapped).
        rows_by_interaction = {}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                rows_by_interaction.setdefault(int(row["Interaction index"]), []).append(row)
        histories = {}
        for rows in rows_by_interaction.values():
            first, second = rows
            key = (int(first["Player index"]), int(first["Opponent index"]), int(first["Repetition"]))
            histories[key] = (first["Actions"], second["Actions"])
    finally:
        os.remove(path)
    t0 = time.perf_counter()
    out = []
    for (i, j, rep), (hist_a, hist_b) in sorted(histories.items()):
        interaction = list(zip(iu.str_to_actions(hist_a), iu.str_to_actions(hist_b)))
        out.append(
            (
                i,
                j,
                rep,
                interaction,
                iu.compute_final_score(interaction, game),
                iu.compute_normalised_cooperation(interaction),
            )
        )
    return out, seconds + time.perf_counter() - t0


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def fmt_value(x) -> str:
    """Plain decimal: integers without '.0', floats in shortest round-trip form."""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


def write_outputs(out_dir: str, specs: Sequence[Spec], results, record_actions: bool) -> None:
    """Write matches.csv (and actions.csv) via temporary files renamed into place."""
    names = [s.name for s in specs]
    targets = [("matches.csv", False)] + ([("actions.csv", True)] if record_actions else [])
    for filename, is_actions in targets:
        final = os.path.join(out_dir, filename)
        tmp = final + ".tmp"
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            if is_actions:
                w.writerow(["player_a", "player_b", "rep", "turn", "action_a", "action_b"])
                for i, j, rep, interaction, _, _ in results:
                    for turn, (a, b) in enumerate(interaction, start=1):
                        w.writerow([names[i], names[j], rep, turn, str(a), str(b)])
            else:
                w.writerow(["player_a", "player_b", "rep", "score_a", "score_b", "cooperation_a", "cooperation_b"])
                for i, j, rep, _, score, coop in results:
                    w.writerow([names[i], names[j], rep, *map(fmt_value, score), *map(fmt_value, coop)])
        os.replace(tmp, final)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Round-robin tournament (with self-play) run by Axelrod-Python, "
        "written in the format of `regime tournament`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Strategy names" + __doc__.split("Strategy names", 1)[1],
    )
    p.add_argument("--strategies", required=True, help="comma-separated strategy list (see below)")
    p.add_argument("--turns", type=int, required=True, help="turns per match")
    p.add_argument("--reps", type=int, required=True, help="repetitions of every match")
    p.add_argument("--noise", type=float, default=0.0, help="probability an action is flipped (default 0)")
    p.add_argument("--payoffs", default="5,3,1,0", help="T,R,P,S (default 5,3,1,0)")
    p.add_argument("--seed", type=int, default=42, help="master seed for Axelrod's generators (default 42, as regime)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="processes for --engine tournament (default 1); the match engine is serial",
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs in --out")
    p.add_argument("--record-actions", action="store_true", help="also write actions.csv")
    p.add_argument(
        "--engine",
        choices=("match", "tournament"),
        default="match",
        help="'match': Axelrod's tournament loop over axl.Match (default); 'tournament': axl.Tournament.play",
    )
    p.add_argument("--quiet", action="store_true", help="print only the axelrod_wall_seconds= line")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)

    def bad(msg: str) -> int:
        print(f"axelrod_tournament: error: {msg}", file=sys.stderr)
        return 2

    try:
        specs = [parse_strategy(s) for s in split_top_level(args.strategies)]
        payoffs = parse_payoffs(args.payoffs)
    except ValueError as e:
        return bad(str(e))
    if not specs or any(not s for s in split_top_level(args.strategies)):
        return bad("--strategies has an empty entry")
    if args.turns < 1:
        return bad("--turns must be >= 1")
    if args.reps < 1:
        return bad("--reps must be >= 1")
    if not 0.0 <= args.noise <= 1.0:
        return bad("--noise must be in [0, 1]")
    if args.threads < 1:
        return bad("--threads must be >= 1")
    if not 0 <= args.seed < 2**32:
        return bad("--seed must be in [0, 2^32) (Axelrod seeds numpy's RandomState)")

    os.makedirs(args.out, exist_ok=True)
    outputs = ["matches.csv"] + (["actions.csv"] if args.record_actions else [])
    existing = [f for f in outputs if os.path.exists(os.path.join(args.out, f))]
    if existing and not args.force:
        return bad(f"{', '.join(existing)} already in {args.out} (use --force to overwrite)")

    t0 = time.perf_counter()
    import axelrod as axl  # slow: ~15 s, Axelrod inspects every strategy class

    import_seconds = time.perf_counter() - t0

    t, r, p, s = payoffs
    game = axl.Game(r=r, s=s, t=t, p=p)
    if args.engine == "match":
        results, wall = play_match_engine(axl, specs, args.turns, args.reps, game, args.noise, args.seed)
    else:
        results, wall = play_tournament_engine(
            axl, specs, args.turns, args.reps, game, args.noise, args.seed, args.threads
        )

    write_outputs(args.out, specs, results, args.record_actions)

    n = len(specs)
    pairs = n * (n + 1) // 2
    pair_rounds = pairs * args.reps * args.turns
    if not args.quiet:
        print(
            f"axelrod {axl.__version__} ({args.engine} engine): {n} strategies, {pairs} pairs x "
            f"{args.reps} reps x {args.turns} turns = {pair_rounds} pair-rounds in {wall:.3f} s "
            f"({pair_rounds / wall:,.0f} pair-rounds/s; import axelrod took {import_seconds:.1f} s)"
        )
        print(f"wrote {', '.join(os.path.join(args.out, f) for f in outputs)}")
    print(f"axelrod_wall_seconds={wall:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
