#!/usr/bin/env python3
"""One-at-a-time analysis of the two rule-set presets (issue 12), used by run.sh.

  analyze.py scenario WORLD_DATA_TOML   print the scenario with one [rules.X] table per variant
  analyze.py rule-sets                  print the comma-separated rule sets to compare
  analyze.py table SUMMARY_CSV REPS     print the table (markdown) from a compare summary.csv

Each variant sets ONE mechanism of a preset to the other preset's value (the presets are those
of src/model/rules.rs). Differences are paired by replicate (common random numbers) and shown
with a 95% normal interval of the paired differences; a difference is marked * when the interval
excludes 0.
"""
import csv
import math
import sys
from collections import defaultdict

PRESETS = {
    "realist": {
        "relative_gains": 0.5, "relative_gains_dilution": 0.01, "security_weight": 1.0,
        "hegemonic_veto": True, "hegemonic_provision": 0.5, "monitoring": 0.0, "sanctions": 0.0,
        "transaction_cost_cut": 0.0, "path_dependence": 0.0, "norm_pressure": 0.1,
    },
    "institutionalist": {
        "relative_gains": 0.0, "relative_gains_dilution": 0.0, "security_weight": 0.3,
        "hegemonic_veto": False, "hegemonic_provision": 0.0, "monitoring": 0.8, "sanctions": 2.0,
        "transaction_cost_cut": 0.8, "path_dependence": 0.1, "norm_pressure": 0.5,
    },
}
OTHER = {"realist": "institutionalist", "institutionalist": "realist"}
SHORT = {"realist": "R", "institutionalist": "I"}


def variants():
    for base in PRESETS:
        for field in PRESETS[base]:
            yield base, field, f"{SHORT[base]}_{field}"


def toml_value(x):
    return ("true" if x else "false") if isinstance(x, bool) else repr(x)


def scenario(path):
    text = open(path).read()
    text = text.replace('name = "world-data"', 'name = "one-at-a-time"', 1)
    names = ", ".join(f'"{n}"' for n in all_rule_sets())
    lines = text.split("\n")
    lines = [f"rule_sets = [{names}]" if l.startswith("rule_sets =") else l for l in lines]
    text = "\n".join(lines)
    out = [text.rstrip(), ""]
    for base, field, name in variants():
        value = PRESETS[OTHER[base]][field]
        out += [f"[rules.{name}]", f'base = "{base}"', f"{field} = {toml_value(value)}", ""]
    print("\n".join(out))


def all_rule_sets():
    return ["realist", "institutionalist"] + [n for _, _, n in variants()]


def rule_sets():
    print(",".join(all_rule_sets()))


def interval(diffs):
    n = len(diffs)
    m = sum(diffs) / n
    if n < 2:
        return m, 0.0
    sd = math.sqrt(sum((d - m) ** 2 for d in diffs) / (n - 1))
    return m, 1.96 * sd / math.sqrt(n)


def table(summary, reps):
    by = defaultdict(dict)  # (rule_set, issue) -> replicate -> (binding, share, coop)
    issues = []
    with open(summary) as f:
        for r in csv.DictReader(f):
            if r["issue"] not in issues:
                issues.append(r["issue"])
            binding = 1.0 if (r["emerged"] == "1" or r["preexisting"] == "1") else 0.0
            by[(r["rule_set"], r["issue"])][r["replicate"]] = (
                binding, float(r["final_member_share"]), float(r["mean_cooperation"]))
    print(f"# One-at-a-time: each mechanism set alone to the other preset's value\n")
    print(f"`scenarios/world-data.toml`, {reps} paired replicates (common random numbers). Each cell:")
    print("the paired difference variant minus preset in P(binding) / final member share /")
    print("mean cooperation; `*` marks a difference whose 95% interval excludes 0, `.` no change at all.")
    print("Regenerate with `results/one-at-a-time/run.sh`.\n")
    for base in PRESETS:
        print(f"## From the {base} preset\n")
        print("| mechanism set to the " + OTHER[base] + " value | " + " | ".join(issues) + " | moves |")
        print("|---|" + "---|" * len(issues) + "---|")
        for b, field, name in variants():
            if b != base:
                continue
            cells, moved = [], 0
            for issue in issues:
                ref, var = by[(base, issue)], by[(name, issue)]
                parts = []
                for k in range(3):
                    diffs = [var[rep][k] - ref[rep][k] for rep in ref if rep in var]
                    m, h = interval(diffs)
                    if all(d == 0 for d in diffs):
                        parts.append(".")
                    else:
                        sig = abs(m) > h
                        moved += sig
                        parts.append(f"{m:+.2f}{'*' if sig else ''}")
                cells.append(" / ".join(parts))
            value = toml_value(PRESETS[OTHER[base]][field])
            print(f"| `{field}` = {value} | " + " | ".join(cells) + f" | {moved} |")
        print()
    print("## Presets\n")
    print("| rule set | issue | P(binding) | final member share | mean cooperation |")
    print("|---|---|---|---|---|")
    for base in PRESETS:
        for issue in issues:
            rows = list(by[(base, issue)].values())
            mean = lambda k: sum(r[k] for r in rows) / len(rows)
            print(f"| {base} | {issue} | {mean(0):.2f} | {mean(1):.2f} | {mean(2):.3f} |")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "scenario":
        scenario(sys.argv[2])
    elif cmd == "rule-sets":
        rule_sets()
    elif cmd == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd}")
