#!/usr/bin/env python3
"""Compile scenarios/data/extra-attributes.csv (issue 13, session 10) from stored public copies.

NOT a model input today: the attributes were compiled to test whether any public data separate
the ICRMW's sending-state parties (results/calibration/ceiling_extra.py). The raw copies (4 MB) are
not committed; fetch them from the repositories and commits named in SOURCES.md into a folder
and point EXTRA_RAW at it.

Standard library only. Inputs (copied into raw/, see SOURCES-extra.md for repo/path/commit):
  raw/world_economic_indicators.csv  WDI extract incl. BX.TRF.PWKR.DT.GD.ZS (gabo539/Data_science_project_tub2024)
  raw/stock_totals_2020.csv          UN DESA IMS 2020 totals incl. diaspora (guyabel/stepladderChapter)
  raw/freedomhouse.csv               Freedom in the World 2023 total scores (guilsuper/goods-mvp)
  raw/vdem3.csv                      V-Dem v2x_polyarchy (cross-check only; ES-1085/f2025-ds1-project-f4)
  /work/main/scenarios/data/un-member-states.csv  (row order and iso3 set)

Usage: python3 compile.py [--members PATH]
"""
import csv
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))  # scenarios/data
RAW = os.environ.get("EXTRA_RAW", os.path.join(HERE, "raw"))  # the stored copies (SOURCES.md); not committed
MEMBERS = os.path.join(HERE, "un-member-states.csv")
if "--members" in sys.argv:
    MEMBERS = sys.argv[sys.argv.index("--members") + 1]

REMIT_YEAR = "2019"   # chosen: last pre-COVID year; 177 members covered (2020: 178, 2021: 176, 2022: 168)
EMIG_YEAR = "2020"    # IMS 2020 edition, mid-2020
VDEM_YEAR = "2022"    # same calendar year as FIW 2023 (cross-check only)

# Freedom House country names -> iso3 (only names that differ from the members file)
FH_ALIASES = {
    "Bolivia": "BOL", "Brunei": "BRN", "Congo (Brazzaville)": "COG",
    "Congo (Kinshasa)": "COD", "Cote d'Ivoire": "CIV", "Czech Republic": "CZE",
    "Iran": "IRN", "Laos": "LAO", "Micronesia": "FSM", "Moldova": "MDA",
    "Netherlands": "NLD", "North Korea": "PRK", "South Korea": "KOR",
    "Russia": "RUS", "Syria": "SYR", "Tanzania": "TZA", "The Gambia": "GMB",
    "Turkey": "TUR", "United Kingdom": "GBR", "United States": "USA",
    "Venezuela": "VEN", "Vietnam": "VNM", "St. Kitts and Nevis": "KNA",
    "St. Lucia": "LCA", "St. Vincent and the Grenadines": "VCT",
}


def fnum(s):
    s = (s or "").strip()
    if s in ("", "NA", "..", "~", "-"):
        return None
    v = float(s)
    return None if math.isnan(v) else v


def fmt(v, nd=4):
    if v is None:
        return ""
    s = f"{v:.{nd}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def read_members():
    with open(MEMBERS, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(r["iso3"], r["name"]) for r in rows]


ZERO_AS_MISSING = []


def remittances(iso_set):
    key = "Personal remittances, received (% of GDP)"
    out = {}
    with open(os.path.join(RAW, "world_economic_indicators.csv"), encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["Year"] == REMIT_YEAR and r["Country Code"] in iso_set:
                v = fnum(r[key])
                if v is None:
                    continue
                if v == 0.0:
                    # WDI shows exactly 0 for a few states every year (LBY, SGP, SYR, TKM): no reported
                    # inflow data rather than a measured zero -> treated as missing
                    ZERO_AS_MISSING.append(r["Country Code"])
                    continue
                out[r["Country Code"]] = v
    return out


def emigrants(iso_set):
    # disp = emigrant stock (row WORLD of the DESA origin-destination matrix, by country of birth/origin)
    # pop  = DESA total population (thousands * 1e3) as in the IMS 2020 workbook
    out, check = {}, {}
    with open(os.path.join(RAW, "stock_totals_2020.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["year"] != EMIG_YEAR or r["alpha3"] not in iso_set:
                continue
            disp, pop = fnum(r["disp"]), fnum(r["pop"])
            if disp is not None and pop:
                out[r["alpha3"]] = 100.0 * disp / pop
                check[r["alpha3"]] = fnum(r["disp_share"])
    # the file's own disp_share must agree with our recomputation
    for k, v in out.items():
        if check.get(k) is not None:
            assert abs(v - 100 * check[k]) < 1e-6, k
    return out


def freedomhouse(members):
    by_name = {n: i for i, n in members}
    out = {}
    with open(os.path.join(RAW, "freedomhouse.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["country_or_territory"] != "c":
                continue
            iso = FH_ALIASES.get(r["name"]) or by_name.get(r["name"])
            if iso is None:
                print(f"  FH entry not a UN member (skipped): {r['name']}")
                continue  # Kosovo, Taiwan (not UN members)
            assert iso not in out, r["name"]
            out[iso] = float(r["score"])
    return out


def vdem(iso_set):
    out = {}
    with open(os.path.join(RAW, "vdem3.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["year"] == VDEM_YEAR and r["country_text_id"] in iso_set:
                v = fnum(r["v2x_polyarchy"])
                if v is not None:
                    out[r["country_text_id"]] = v
    return out


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    sa = math.sqrt(sum((x - ma) ** 2 for x in a))
    sb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (sa * sb)


def main():
    members = read_members()
    isos = [i for i, _ in members]
    iso_set = set(isos)
    rem = remittances(iso_set)
    emi = emigrants(iso_set)
    fh = freedomhouse(members)
    vd = vdem(iso_set)

    out_path = os.path.join(HERE, "extra-attributes.csv")
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["iso3", "remittances_pct_gdp", "emigrant_stock_pct", "democracy"])
        for i in isos:
            w.writerow([i, fmt(rem.get(i)), fmt(emi.get(i)), fmt(fh.get(i), 0)])

    # ---- checks ----
    with open(out_path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 193, len(rows)
    assert [r["iso3"] for r in rows] == isos
    assert set(r["iso3"] for r in rows) == iso_set
    print(f"rows: {len(rows)}; iso3 set equal to members file: True")
    print(f"remittances: exact 0 in WDI treated as missing: {' '.join(sorted(ZERO_AS_MISSING))}")
    for col in ("remittances_pct_gdp", "emigrant_stock_pct", "democracy"):
        empty = [r["iso3"] for r in rows if r[col] == ""]
        print(f"{col}: {193 - len(empty)} filled, {len(empty)} empty: {' '.join(empty)}")
    print("spot values (iso3, remittances %GDP " + REMIT_YEAR + ", emigrants % " + EMIG_YEAR
          + ", FH total FIW2023, [V-Dem polyarchy " + VDEM_YEAR + " cross-check]):")
    for i in ("USA", "IND", "PHL", "MEX", "SEN", "DEU"):
        r = next(x for x in rows if x["iso3"] == i)
        print(f"  {i}: {r['remittances_pct_gdp']}, {r['emigrant_stock_pct']}, {r['democracy']}, [{vd.get(i)}]")
    common = [i for i in isos if i in fh and i in vd]
    print(f"cross-check FH total vs V-Dem v2x_polyarchy {VDEM_YEAR}: n={len(common)}, "
          f"r={pearson([fh[i] for i in common], [vd[i] for i in common]):.3f}")
    print(f"V-Dem {VDEM_YEAR} missing for {len(iso_set - set(vd))} members")


if __name__ == "__main__":
    main()
