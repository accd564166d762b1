#!/usr/bin/env python3
"""Derive the data-driven world of `regime` from the UN member-state table.

    python3 scenarios/data/derive_states.py            # from the repository root
    python3 derive_states.py --check                    # verify the committed outputs

Input  : un-member-states.csv (193 UN member states; sources and vintages in SOURCES.md)
Outputs: world-states.csv   193 rows, the states_file of scenarios/world-data.toml and others:
                            name,group,region,power,position,security,economy,rights,
                            sovereignty_cost,discount,strategy
         world-groups.csv   per bloc: count and means, used to size the blocs of world.toml
         targets.csv        calibration targets per state (NOT model inputs): ICRMW party
                            (as of May 2022) and 2018 GCM vote, with the derived group

Standard library only; deterministic: no randomness, rows in the input's order (by iso3), numbers
rounded half-even to at most 4 decimals and written in plain decimal. Re-running gives
byte-identical files; `--check` fails (exit 1) if the committed files differ.

Derivation rules (every one of them; the thesis chapter that motivates it is in brackets;
"thesis" = shared/seed/000_8a761da15764c773.txt, see docs/thesis-notes.md)

R1 group (stylised blocs, first matching rule wins) [ch. 2.2 C: RCPs group origin, transit and
   destination states; ch. 5.1: receivers "in the North America, Europe and partly in the rich oil
   producing gulf region"]:
   gulf-receiving         iso3 in the Gulf Cooperation Council: ARE BHR KWT OMN QAT SAU
                          (the destination side of the Abu Dhabi Dialogue, ch. 2.2 C, fn. 19)
   eurasian-transit       post-Soviet states outside the EU (RUS UKR BLR MDA ARM AZE GEO KAZ KGZ
                          TJK TKM UZB), Turkiye (TUR), and the Western Balkans outside the EU
                          (ALB BIH MNE MKD SRB): the migration corridors between Asia and the EU
   middle-east-transit    remaining Western Asia that is not high income: IRQ JOR LBN SYR YEM
                          (refugee-hosting and refugee-producing states)
   african-transit        UN subregion Northern Africa (DZA EGY LBY MAR SDN TUN) plus the Sahel
                          states of the G5 (MRT MLI BFA NER TCD): the southern shore of the EU-
                          Africa dialogue and the "5+5" (ch. 2.2 C)
   african-sending        every other state of UN region Africa
   latin-american-sending every state of UN region Americas except UN subregion Northern America
                          (Puebla Process, Ibero-American dialogue; ch. 2.2 C)
   asian-sending          UN subregions Southern Asia and South-eastern Asia and Eastern Asia,
                          except high-income states: contains all 11 Colombo Process members
                          (ch. 2.2 C, fn. 18)
   pacific-sending        UN subregions Melanesia, Micronesia, Polynesia
   north-receiving        everything left: the high-income states of Europe, Northern America,
                          Australia/New Zealand and Asia (JPN KOR SGP BRN ISR CYP). The script
                          asserts that every one of them is high income.

R2 region = UN M49 region in lower case: africa, americas, asia, europe, oceania. Regions are the
   unit of regional consultative processes (RCPs, ch. 2.2 C); with M49 regions the Gulf and the
   Colombo Process states share "asia" (Abu Dhabi Dialogue) and North and Central America share
   "americas" (Puebla Process).

R3 power = 100 * (0.75 * GDP share + 0.25 * population share), in percent of the world total
   (sums to ~100). GDP (current US$, 2022) is the best single proxy of economic and military
   capabilities; population adds the demographic base that capability indices (CINC) also weigh.
   [ch. 5.1: "the political and economic power distribution among states determines the
   structure"]. The 8 states without a 2022 GDP (CUB ERI PRK SMR SSD SYR VEN YEM) are imputed as
   population x the median GDP per capita of their income group. Floor 0.0001 (power must be > 0).

R4 position = 0.5 * s + 0.5 * i, in [-1, 1] (+1 receiving, -1 sending), where
   s = clamp(log10(migrant_stock_pct / 3.7), -1, 1): the foreign-born share of the population
       relative to the world average (3.7 %, UN DESA 2024), on a log scale: 37 % -> +1,
       3.7 % -> 0, 0.37 % -> -1;
   i = income score: high +1, upper_middle 0, lower_middle -0.5, low -1 (VEN, unclassified
       since 2021, is scored as upper_middle, its last classification).
   A stock share alone would call Japan (2.8 %) a sender; income alone would call Jordan (45.7 %
   foreign-born) a sender; the average of both is the simplest compromise. [ch. 5.1: the
   receiving countries "are the developed industries of North"; Zolberg: "it is the policies of
   potential receivers which determine whether movement can take place"]

R5 security   = 0.2 + 0.5 * max(position, 0)        in [0.2, 0.7]
   Securitization of migration is a receiving-state phenomenon ("societal fears", ch. 5.1); the
   level is the pre-2001 baseline: scenarios add the 2001 security shock (+0.15) on top.
R6 economy    = 0.3 + 0.5 * |position|              in [0.3, 0.8]
   Both ends of the migration chain have economic stakes: labour demand for receivers,
   remittances and unemployment relief for senders (ch. 2.3, Piper 2007); transit states least.
R7 rights     = 0.5 - 0.3 * position                in [0.2, 0.8]
   Sending states champion migrants' rights (the ICRMW's parties are senders), receivers rank
   rights last (realism: security > economy > human rights, ch. 5.1; ch. 3.3).
R8 sovereignty_cost = 0.2 + 0.8 * max(position, 0)  in [0.2, 1.0] payoff units per round
   The loss of control over entry is a cost for destination states ("controlling who can enter
   a state ... one of the few remaining significant elements of a state sovereignty", ch. 5.1);
   every state pays a small cost (0.2) for being bound at all.
R9 discount   = by income group: high 0.95, upper_middle 0.92, lower_middle 0.88, low 0.85
   (VEN: upper_middle). An assumption, not from the thesis: richer, more stable states have a
   longer shadow of the future (Axelrod 1984; Oye 1985). Kept in a narrow band on purpose.
R10 strategy  = "tit_for_tat" for every state: the reciprocity that institutionalism builds on
   (ch. 5.2: regimes "attach a sense of reciprocity onto cooperation") and the neutral default;
   learning in the scenarios moves states away from it.

The treaty columns icrmw_1990 and gcm_2018_vote are NEVER used in R1-R10: they are calibration
targets only, copied to targets.csv so model output can be compared with them.
"""

import csv
import math
import os
import statistics
import sys
from decimal import ROUND_HALF_EVEN, Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
INPUT = os.path.join(HERE, "un-member-states.csv")
OUT_STATES = os.path.join(HERE, "world-states.csv")
OUT_GROUPS = os.path.join(HERE, "world-groups.csv")
OUT_TARGETS = os.path.join(HERE, "targets.csv")

WORLD_MIGRANT_STOCK_PCT = 3.7  # UN DESA International Migrant Stock 2024: 304 million, 3.7 %
GDP_WEIGHT = 0.75
POP_WEIGHT = 0.25
POWER_FLOOR = 0.0001

GCC = {"ARE", "BHR", "KWT", "OMN", "QAT", "SAU"}
EURASIAN = {
    # post-Soviet, not in the EU
    "RUS", "UKR", "BLR", "MDA", "ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "TKM", "UZB",
    # Turkiye
    "TUR",
    # Western Balkans, not in the EU
    "ALB", "BIH", "MNE", "MKD", "SRB",
}
SAHEL_G5 = {"MRT", "MLI", "BFA", "NER", "TCD"}
ASIAN_SUBREGIONS = {"Southern Asia", "South-eastern Asia", "Eastern Asia"}
PACIFIC_SUBREGIONS = {"Melanesia", "Micronesia", "Polynesia"}

INCOME_SCORE = {"high": 1.0, "upper_middle": 0.0, "lower_middle": -0.5, "low": -1.0}
DISCOUNT = {"high": 0.95, "upper_middle": 0.92, "lower_middle": 0.88, "low": 0.85}
MISSING_INCOME = {"VEN": "upper_middle"}  # World Bank: unclassified since July 2021

GROUP_ORDER = [
    "north-receiving", "gulf-receiving", "eurasian-transit", "middle-east-transit",
    "african-transit", "african-sending", "asian-sending", "latin-american-sending",
    "pacific-sending",
]

STATE_COLUMNS = ["name", "group", "region", "power", "position", "security", "economy",
                 "rights", "sovereignty_cost", "discount", "strategy"]


def fmt(x):
    """Plain decimal, at most 4 decimals, no trailing zeros, no exponent, no '-0'."""
    d = Decimal(repr(float(x))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return s


def clamp(x, lo, hi):
    return max(lo, min(hi, x))


def income_of(row):
    return row["income_group"] or MISSING_INCOME[row["iso3"]]


def group_of(row):
    iso, reg, sub = row["iso3"], row["un_region"], row["un_subregion"]
    if iso in GCC:
        return "gulf-receiving"
    if iso in EURASIAN:
        return "eurasian-transit"
    if sub == "Western Asia" and row["income_group"] != "high":
        return "middle-east-transit"
    if sub == "Northern Africa" or iso in SAHEL_G5:
        return "african-transit"
    if reg == "Africa":
        return "african-sending"
    if reg == "Americas" and sub != "Northern America":
        return "latin-american-sending"
    if sub in ASIAN_SUBREGIONS and row["income_group"] != "high":
        return "asian-sending"
    if sub in PACIFIC_SUBREGIONS:
        return "pacific-sending"
    assert row["income_group"] == "high", f"{iso} would be north-receiving but is not high income"
    return "north-receiving"


def derive(rows):
    # R3: impute missing GDP from the income group's median GDP per capita
    per_capita = {}
    for r in rows:
        if r["gdp_usd_bn"]:
            per_capita.setdefault(income_of(r), []).append(
                float(r["gdp_usd_bn"]) / float(r["population_m"]))
    median_pc = {k: statistics.median(v) for k, v in per_capita.items()}
    gdp = {}
    imputed = []
    for r in rows:
        if r["gdp_usd_bn"]:
            gdp[r["iso3"]] = float(r["gdp_usd_bn"])
        else:
            gdp[r["iso3"]] = float(r["population_m"]) * median_pc[income_of(r)]
            imputed.append(r["iso3"])
    gdp_total = math.fsum(gdp.values())
    pop_total = math.fsum(float(r["population_m"]) for r in rows)

    states = []
    for r in rows:
        inc = income_of(r)
        power = 100.0 * (GDP_WEIGHT * gdp[r["iso3"]] / gdp_total
                         + POP_WEIGHT * float(r["population_m"]) / pop_total)
        power = max(POWER_FLOOR, power)
        stock = float(r["migrant_stock_pct"])
        s = clamp(math.log10(max(stock, 1e-9) / WORLD_MIGRANT_STOCK_PCT), -1.0, 1.0)
        position = clamp(0.5 * s + 0.5 * INCOME_SCORE[inc], -1.0, 1.0)
        # round position first so that R5-R8 are exact functions of the written value
        position = float(fmt(position))
        states.append({
            "iso3": r["iso3"],
            "name": r["name"],
            "group": group_of(r),
            "region": r["un_region"].lower(),
            "power": max(POWER_FLOOR, float(fmt(power))),
            "position": position,
            "security": 0.2 + 0.5 * max(position, 0.0),
            "economy": 0.3 + 0.5 * abs(position),
            "rights": 0.5 - 0.3 * position,
            "sovereignty_cost": 0.2 + 0.8 * max(position, 0.0),
            "discount": DISCOUNT[inc],
            "strategy": "tit_for_tat",
            "icrmw_1990": r["icrmw_1990"],
            "gcm_2018_vote": r["gcm_2018_vote"],
        })
    return states, imputed


def group_table(states):
    out = []
    for g in GROUP_ORDER:
        members = [s for s in states if s["group"] == g]
        pos = [s["position"] for s in members]
        regions = {}
        for s in members:
            regions[s["region"]] = regions.get(s["region"], 0) + 1
        main_region = sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        power_mean = statistics.fmean(s["power"] for s in members)
        out.append({
            "group": g,
            "count": len(members),
            "main_region": main_region,
            "regions": " ".join(f"{k}:{v}" for k, v in sorted(regions.items())),
            "power_sum": math.fsum(s["power"] for s in members),
            "power_mean": power_mean,
            "power_max": max(s["power"] for s in members),
            "pareto_scale_shape_1_5": power_mean / 3.0,  # Pareto(shape 1.5) has mean 3*scale
            "position_mean": statistics.fmean(pos),
            "position_sd": statistics.pstdev(pos),
            "position_min": min(pos),
            "position_max": max(pos),
            "security_mean": statistics.fmean(s["security"] for s in members),
            "economy_mean": statistics.fmean(s["economy"] for s in members),
            "rights_mean": statistics.fmean(s["rights"] for s in members),
            "sovereignty_cost_mean": statistics.fmean(s["sovereignty_cost"] for s in members),
            "discount_mean": statistics.fmean(s["discount"] for s in members),
            "icrmw_parties_2022": sum(1 for s in members if s["icrmw_1990"]),
            "gcm_yes": sum(1 for s in members if s["gcm_2018_vote"] == "yes"),
            "gcm_no": sum(1 for s in members if s["gcm_2018_vote"] == "no"),
            "gcm_abstain": sum(1 for s in members if s["gcm_2018_vote"] == "abstain"),
            "gcm_absent": sum(1 for s in members if s["gcm_2018_vote"] == "absent"),
        })
    return out


def render(rows, columns):
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([fmt(r[c]) if isinstance(r[c], float) else r[c] for c in columns])
    return buf.getvalue()


def main(argv):
    with open(INPUT, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 193, f"expected 193 UN member states, got {len(rows)}"
    states, imputed = derive(rows)
    groups = group_table(states)
    assert sum(g["count"] for g in groups) == 193

    for s in states:  # range checks of the scenario format
        assert s["power"] > 0
        assert -1 <= s["position"] <= 1
        for k in ("security", "economy", "rights"):
            assert 0 <= s[k] <= 1, (s["name"], k)
        assert s["sovereignty_cost"] >= 0 and 0 < s["discount"] < 1

    targets = [{
        "name": s["name"], "iso3": s["iso3"], "group": s["group"],
        "icrmw_party_2022": "1" if s["icrmw_1990"] else "0",
        "icrmw_year": s["icrmw_1990"], "gcm_2018_vote": s["gcm_2018_vote"],
    } for s in states]

    outputs = {
        OUT_STATES: render(states, STATE_COLUMNS),
        OUT_GROUPS: render(groups, list(groups[0].keys())),
        OUT_TARGETS: render(targets, ["name", "iso3", "group", "icrmw_party_2022",
                                      "icrmw_year", "gcm_2018_vote"]),
    }
    if "--check" in argv:
        bad = [p for p, text in outputs.items()
               if not os.path.exists(p) or open(p, encoding="utf-8").read() != text]
        for p in bad:
            print(f"differs: {os.path.relpath(p, HERE)}", file=sys.stderr)
        return 1 if bad else 0
    for path, text in outputs.items():
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    print(f"wrote {len(states)} states; GDP imputed for {' '.join(imputed)}")
    print(f"{'group':24} {'n':>3} {'power':>8} {'pos':>7} {'icrmw':>5} {'gcm y/n/ab/abs':>15}")
    for g in groups:
        print(f"{g['group']:24} {g['count']:>3} {g['power_sum']:>8.2f} {g['position_mean']:>7.3f}"
              f" {g['icrmw_parties_2022']:>5} {g['gcm_yes']:>4}/{g['gcm_no']}/{g['gcm_abstain']}"
              f"/{g['gcm_absent']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
