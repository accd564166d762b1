#!/usr/bin/env python3
"""Checks of issue 12 on one `regime compare` output directory: withdrawals per state and
run (summed over issues) and, per rule set and issue, P(binding), final member share and mean
cooperation. Usage: checks.py OUTDIR"""
import csv
import sys
from collections import defaultdict

out = sys.argv[1]
runs = defaultdict(set)
states = {}
binding = defaultdict(list)
share = defaultdict(list)
coop = defaultdict(list)
with open(f"{out}/summary.csv") as f:
    for r in csv.DictReader(f):
        rs = r["rule_set"]
        runs[rs].add(r["run_id"])
        states[rs] = int(r["states"])
        key = (rs, r["issue"])
        binding[key].append(1 if (r["emerged"] == "1" or r["preexisting"] == "1") else 0)
        share[key].append(float(r["final_member_share"]))
        coop[key].append(float(r["mean_cooperation"]))
withdrew = defaultdict(int)
joined = defaultdict(int)
with open(f"{out}/events.csv") as f:
    for r in csv.DictReader(f):
        if r["event"] == "withdrew":
            withdrew[r["rule_set"]] += 1
        elif r["event"] == "ratified":
            joined[r["rule_set"]] += 1
for rs in runs:
    n = len(runs[rs]) * states[rs]
    print(f"{rs}: withdrawals per state and run {withdrew[rs] / n:.4f}, ratifications {joined[rs] / n:.3f}")
print("rule_set,issue,p_binding,member_share,cooperation")
for key in binding:
    m = lambda x: sum(x) / len(x)
    print(f"{key[0]},{key[1]},{m(binding[key]):.3f},{m(share[key]):.3f},{m(coop[key]):.3f}")
