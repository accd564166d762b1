#!/usr/bin/env python3
"""How well could ANY model whose state inputs are the compiled data predict the real ICRMW
parties? A reference ceiling for issue 13's per-state targets (AUC >= 0.80 overall, >= 0.65 among
the 95 states with position < 0).

A ridge logistic regression is fitted to the ICRMW parties themselves (icrmw_party_2022 of
scenarios/data/targets.csv) from the inputs of scenarios/data/un-member-states.csv, and scored
leave-one-out: each state is predicted by a fit to the other 192. This is far more than a
mechanism model may do (it fits up to 36 coefficients to the very labels it is scored on, with the
best of four ridge penalties shown), so its AUC is an optimistic reference, not a model. If it
stays below a target, no mechanism reading only these inputs can be expected to reach it.

Feature sets: position (the model's derived position), the numeric inputs (position, income
score, log population, log GDP per head, log migrant stock), + UN region dummies, + UN subregion
dummies, subregion dummies alone, and the dummies of the 13 migration fora of
scenarios/data/fora.csv (alone, and added to the others).

Needs numpy: benches/peers/setup_venv.sh installs it, then
    target/peers-venv/bin/python results/calibration/ceiling.py > results/calibration/ceiling.txt
"""
import csv
import math
import os
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "scenarios", "data")
INCOME = {"high": 1.0, "upper_middle": 0.0, "lower_middle": -0.5, "low": -1.0, "": 0.0}
PENALTIES = [0.3, 1.0, 3.0, 10.0]


def read(name):
    with open(os.path.join(DATA, name), newline="") as f:
        return list(csv.DictReader(f))


def table():
    """Features (unscaled), labels and positions, one row per UN member state."""
    un = read("un-member-states.csv")
    party = {r["iso3"]: int(r["icrmw_party_2022"]) for r in read("targets.csv")}
    position = {r["name"]: float(r["position"]) for r in read("world-states.csv")}
    fora_of = {}
    for r in read("fora.csv"):
        fora_of.setdefault(r["iso3"], set()).add(r["forum"])
    fora = sorted({f for fs in fora_of.values() for f in fs})
    regions = sorted({r["un_region"] for r in un})
    subregions = sorted({r["un_subregion"] for r in un})
    rows, labels, pos = [], [], []
    for r in un:
        pop = float(r["population_m"])
        gdp = float(r["gdp_usd_bn"]) if r["gdp_usd_bn"] else None
        p = position[r["name"]]
        numeric = [
            p,
            INCOME[r["income_group"]],
            math.log(pop),
            math.log(gdp * 1000 / pop) if gdp else 0.0,
            math.log(float(r["migrant_stock_pct"]) + 0.01),
        ]
        dummies = [float(r["un_region"] == g) for g in regions]
        dummies += [float(r["un_subregion"] == g) for g in subregions]
        dummies += [float(f in fora_of.get(r["iso3"], ())) for f in fora]
        rows.append(numeric + dummies)
        labels.append(party[r["iso3"]])
        pos.append(p)
    x = np.array(rows)
    x[:, :5] = (x[:, :5] - x[:, :5].mean(0)) / x[:, :5].std(0)
    sub_end = 5 + len(regions) + len(subregions)
    sets = {
        "position": [0],
        "numeric inputs": list(range(5)),
        "numeric + region": list(range(5 + len(regions))),
        "numeric + region + subregion": list(range(sub_end)),
        "subregion alone": list(range(5 + len(regions), sub_end)),
        "fora alone": list(range(sub_end, x.shape[1])),
        "numeric + region + fora": list(range(5 + len(regions))) + list(range(sub_end, x.shape[1])),
        "numeric + region + subregion + fora": list(range(x.shape[1])),
    }
    return x, np.array(labels), np.array(pos), sets


def fit(x, y, penalty):
    """Ridge logistic regression by Newton's method (intercept not penalised)."""
    x1 = np.c_[np.ones(len(x)), x]
    b = np.zeros(x1.shape[1])
    ridge = penalty * np.eye(len(b))
    ridge[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x1 @ b))
        w = p * (1.0 - p)
        b -= np.linalg.solve(x1.T @ (x1 * w[:, None]) + ridge, x1.T @ (p - y) + ridge @ b)
    return b


def auc(score, y):
    """P(a party scores above a non-party), ties half."""
    p, n = score[y == 1], score[y == 0]
    wins = (p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()
    return wins / (len(p) * len(n))


def leave_one_out(x, y, cols, penalty):
    score = np.zeros(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        b = fit(x[keep][:, cols], y[keep], penalty)
        score[i] = b[0] + x[i, cols] @ b[1:]
    return score


def main():
    x, y, pos, sets = table()
    senders = pos < 0
    print(f"# {len(y)} states, {y.sum()} ICRMW parties; {senders.sum()} with position < 0, "
          f"{y[senders].sum()} of them parties")
    print("# leave-one-out AUC of a ridge logistic regression fitted to the parties themselves")
    print("features,penalty,auc_all,auc_position_below_0")
    for name, cols in sets.items():
        for penalty in PENALTIES:
            s = leave_one_out(x, y, cols, penalty)
            print(f"{name},{penalty},{auc(s, y):.3f},{auc(s[senders], y[senders]):.3f}")
    print("# the same, fitted and scored among the states with position < 0 only")
    print("features,penalty,auc_position_below_0")
    xs, ys = x[senders], y[senders]
    for name, cols in sets.items():
        for penalty in PENALTIES:
            s = leave_one_out(xs, ys, cols, penalty)
            print(f"{name},{penalty},{auc(s, ys):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
