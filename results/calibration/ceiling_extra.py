#!/usr/bin/env python3
"""The ceiling of ceiling.py with further per-state attributes: would remittances, emigrant stock
or democracy separate the ICRMW's sending-state parties from the non-parties, for a learner fitted
to the parties themselves (leave-one-out)? An optimistic reference, not a model (see ceiling.py).

Each column of EXTRA_CSV (iso3 plus numeric columns) is added as a standardised feature (log of
1 + value for the two shares), with a missing value set to the column's mean.

    target/peers-venv/bin/python results/calibration/ceiling_extra.py [EXTRA_CSV] > results/calibration/ceiling-extra.txt
"""
import csv
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ceiling  # noqa: E402

LOG_COLUMNS = {"remittances_pct_gdp", "emigrant_stock_pct"}


def extra_columns(path, iso3s):
    """The extra attributes, one standardised column each, rows in `iso3s` order."""
    with open(path, newline="") as f:
        rows = {r["iso3"]: r for r in csv.DictReader(f)}
    names = [k for k in next(iter(rows.values())) if k != "iso3"]
    cols = []
    for n in names:
        vals = []
        for iso in iso3s:
            v = rows.get(iso, {}).get(n, "")
            x = float(v) if v not in ("", None) else math.nan
            vals.append(math.log1p(max(x, 0.0)) if n in LOG_COLUMNS and not math.isnan(x) else x)
        a = np.array(vals)
        a[np.isnan(a)] = np.nanmean(a)
        cols.append((a - a.mean()) / a.std())
    return names, np.column_stack(cols)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ceiling.DATA, "extra-attributes.csv")
    x, y, pos, sets = ceiling.table()
    iso3s = [r["iso3"] for r in ceiling.read("un-member-states.csv")]
    names, extra = extra_columns(path, iso3s)
    base = x.shape[1]
    x = np.c_[x, extra]
    ex = list(range(base, base + len(names)))
    nr = sets["numeric + region"]
    fora = sets["fora alone"]
    new = {f"{n} alone": [base + k] for k, n in enumerate(names)}
    new.update({
        "extra alone": ex,
        "position + extra": [0] + ex,
        "numeric + extra": list(range(5)) + ex,
        "numeric + region + extra": nr + ex,
        "numeric + region + fora + extra": nr + fora + ex,
    })
    senders = pos < 0
    print(f"# extra attributes from {os.path.relpath(path)}: {', '.join(names)}")
    print("# leave-one-out AUC of a ridge logistic regression fitted to the parties themselves")
    print("features,penalty,auc_all,auc_position_below_0,auc_fitted_among_position_below_0")
    for name, cols in new.items():
        for penalty in ceiling.PENALTIES:
            s = ceiling.leave_one_out(x, y, cols, penalty)
            ss = ceiling.leave_one_out(x[senders], y[senders], cols, penalty)
            print(f"{name},{penalty},{ceiling.auc(s, y):.3f},{ceiling.auc(s[senders], y[senders]):.3f},"
                  f"{ceiling.auc(ss, y[senders]):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
