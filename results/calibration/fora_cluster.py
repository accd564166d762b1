"""Within-forum agreement of migrant-rights membership per replicate, vs a null where each
replicate's memberships are permuted among states (a stat that only clustering raises).
Stat: mean over fora of the between-forum variance of member shares, per replicate."""
import csv, sys, random, collections
out = sys.argv[1]; issue = sys.argv[2] if len(sys.argv) > 2 else "migrant_rights"
fora = collections.defaultdict(list)
for r in csv.DictReader(open("/work/main/scenarios/data/fora.csv")):
    fora[r["forum"]].append(r["name"])
runs = collections.defaultdict(dict)
for r in csv.DictReader(open(f"{out}/states.csv")):
    if r["issue"] == issue and r["rule_set"] == "calibrated":
        runs[r["run_id"]][r["state"]] = int(r["member"])
def spread(m):
    shares = [sum(m[s] for s in mem) / len(mem) for mem in fora.values()]
    mu = sum(shares) / len(shares)
    return sum((x - mu) ** 2 for x in shares) / len(shares)
rng = random.Random(1)
obs, null = [], []
for m in runs.values():
    obs.append(spread(m))
    names = list(m); vals = [m[n] for n in names]
    for _ in range(20):
        rng.shuffle(vals); null.append(spread(dict(zip(names, vals))))
print(f"{out}: forum-share variance {sum(obs)/len(obs):.4f} vs permuted {sum(null)/len(null):.4f} (ratio {sum(obs)/len(obs)/(sum(null)/len(null)):.2f}); mean members {sum(sum(m.values()) for m in runs.values())/len(runs):.1f}")
