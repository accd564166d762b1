#!/usr/bin/env python3
"""Issue 13's checks on one `regime run`/`regime compare` output directory: how often the
stylised facts P1-P5 (docs/thesis-notes.md section 8) hold, alone and together, per rule set, and
how well each state's migrant-rights membership frequency predicts the real ICRMW parties
(scenarios/data/targets.csv, icrmw_party_2022): AUC overall and among states with position < 0.
The ICRMW column is read here, after the runs; it is never a model input.

Pattern rules (end of run, per replicate):
  P1 refugees binding, member share within 0.76 +- 0.10
  P2 labour not binding, member share within 0.25 +- 0.10 (ILO C97/C143: 22-29 %; session 8
     asked only "below 1/3", which an empty labour regime passed)
  P3 migrant_rights not binding, member share within 0.295 +- 0.10, no north-receiving or
     gulf-receiving member
  P4 comprehensive not binding
  P5 trade binding, member share >= 0.80
Usage: patterns.py OUTDIR [TARGETS_CSV]"""
import csv
import sys
from collections import defaultdict

out = sys.argv[1]
targets = sys.argv[2] if len(sys.argv) > 2 else "scenarios/data/targets.csv"

summary = defaultdict(dict)  # (rule_set, run_id) -> issue -> row
for r in csv.DictReader(open(f"{out}/summary.csv")):
    summary[(r["rule_set"], r["run_id"])][r["issue"]] = r
north_gulf_rights = defaultdict(int)
rights_member = defaultdict(lambda: defaultdict(list))  # rule_set -> state -> [0/1]
position = {}
for r in csv.DictReader(open(f"{out}/states.csv")):
    if r["issue"] != "migrant_rights":
        continue
    key = (r["rule_set"], r["run_id"])
    m = int(r["member"])
    if r["group"] in ("north-receiving", "gulf-receiving"):
        north_gulf_rights[key] += m
    rights_member[r["rule_set"]][r["state"]].append(m)
    position[r["state"]] = float(r["position"])


def share(run, issue):
    return float(run[issue]["final_member_share"])


def binding(run, issue):
    return run[issue]["final_status"] == "binding"


def patterns(key, run):
    return {
        "P1": binding(run, "refugees") and abs(share(run, "refugees") - 0.76) <= 0.10,
        "P2": not binding(run, "labour") and abs(share(run, "labour") - 0.25) <= 0.10,
        "P3": not binding(run, "migrant_rights")
        and abs(share(run, "migrant_rights") - 0.295) <= 0.10
        and north_gulf_rights[key] == 0,
        "P4": not binding(run, "comprehensive"),
        "P5": binding(run, "trade") and share(run, "trade") >= 0.80,
    }


def auc(scores, labels):
    """P(score of a party > score of a non-party), ties count half."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


party = {r["name"]: int(r["icrmw_party_2022"]) for r in csv.DictReader(open(targets))}
for rs in sorted({k[0] for k in summary}):
    runs = [(k, v) for k, v in summary.items() if k[0] == rs]
    held = defaultdict(int)
    together = 0
    for key, run in runs:
        p = patterns(key, run)
        for name, ok in p.items():
            held[name] += ok
        together += all(p.values())
    n = len(runs)
    cells = " ".join(f"{name} {held[name] / n:.2f}" for name in ["P1", "P2", "P3", "P4", "P5"])
    states = [s for s in rights_member[rs] if s in party]
    freq = [sum(rights_member[rs][s]) / len(rights_member[rs][s]) for s in states]
    labels = [party[s] for s in states]
    senders = [i for i, s in enumerate(states) if position[s] < 0]
    a_all = auc(freq, labels)
    a_send = auc([freq[i] for i in senders], [labels[i] for i in senders])
    a_pos = auc([-position[s] for s in states], labels)
    print(f"{rs}: {n} runs; {cells}; all five together {together / n:.2f}; "
          f"ICRMW AUC {a_all:.3f} overall (position alone {a_pos:.3f}), "
          f"{a_send:.3f} among {len(senders)} states with position < 0")
