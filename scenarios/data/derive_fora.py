#!/usr/bin/env python3
"""Write fora.csv: which UN member states take part in which migration forum (ch. 2.2 C).

    python3 scenarios/data/derive_fora.py            # from the repository root
    python3 scenarios/data/derive_fora.py --check    # verify the committed fora.csv

Input : un-member-states.csv (names, iso3, UN region and subregion).
Output: fora.csv, one row per (forum, state): forum,iso3,name. Read by scenarios that set
        `fora_file` (the norm term then spreads through the fora a state takes part in,
        docs/ODD.md 7.6); it is a model INPUT, like region. No treaty status is used here.

Which fora, by a rule fixed before looking at any fit (issue 13): every regional consultative
process or inter-regional migration dialogue that the thesis names in ch. 2.2 C, plus the
regional RCPs of the IOM overview the thesis cites (fn. 21, IOM 2009 matrix) whose membership is
that of a regional economic community, plus the one RCP of destination states in that overview
whose membership is well known (IGC). Membership as of the thesis (2008-2010). Left out because
their membership lists could not be checked offline: the Bali Process, the Budapest Process, the
Soederkoeping Process, the Pacific Immigration Directors' Conference, the Arab RCP, MTM, APC.

The lists were compiled offline (no network on the build machine) from the thesis's footnotes
and from the public member lists of the regional bodies; SOURCES.md names each source. They
should be checked against IOM's RCP pages before being relied on beyond this model.
"""
import csv
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent

EU27_2008 = "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GBR GRC HUN IRL ITA LTU LUX LVA MLT NLD POL PRT ROU SVK SVN SWE"
COLOMBO = "AFG BGD CHN IND IDN NPL PAK PHL VNM THA LKA"

# forum -> (members as iso3 codes or UN-region selectors, source)
FORA = {
    # named in the thesis, ch. 2.2 C (members as the thesis or its footnotes give them)
    "colombo_process": (COLOMBO, "thesis ch. 2.2 C fn. 18"),
    "abu_dhabi_dialogue": (COLOMBO + " ARE BHR KWT OMN QAT SAU YEM MYS SGP", "thesis ch. 2.2 C fn. 19: Colombo Process + 6 GCC + Yemen + Malaysia, Singapore"),
    "five_plus_five": ("FRA ITA MLT ESP PRT LBY MAR MRT DZA TUN", "thesis ch. 2.2 C"),
    "eu_africa": (EU27_2008 + " @Africa", "thesis ch. 2.2 C (Rabat/Tripoli 2006, Lisbon 2007): the EU of 2008 and every African state"),
    "asem": (EU27_2008 + " BRN CHN KHM IDN JPN KOR MYS MMR LAO PHL SGP THA VNM IND MNG PAK", "thesis ch. 2.2 C fn. 20: the EU of 2008 and the listed Asian states"),
    "ibero_american": ("ARG BOL BRA CHL COL CRI CUB DOM ECU SLV GTM HND MEX NIC PAN PRY PER URY VEN ESP PRT AND", "thesis ch. 2.2 C: Latin American sending states and Spain, Portugal, Andorra (the Ibero-American Community)"),
    "puebla_process": ("BLZ CAN CRI DOM SLV GTM HND MEX NIC PAN USA", "thesis ch. 2.2 C; Regional Conference on Migration member list"),
    "eu_lac": (EU27_2008 + " @Latin", "thesis ch. 2.2 C: the EU of 2008 and the 33 states of Latin America and the Caribbean"),
    # regional RCPs of the IOM overview (thesis fn. 21) with a regional economic community's members
    "sacm": ("ARG BOL BRA CHL COL ECU GUY PRY PER SUR URY VEN", "IOM RCP overview: South American Conference on Migration (12 South American states)"),
    "midwa": ("BEN BFA CPV CIV GMB GHA GIN GNB LBR MLI NER NGA SEN SLE TGO", "IOM RCP overview: Migration Dialogue for West Africa (the 15 ECOWAS states)"),
    "midsa": ("AGO BWA COD LSO MDG MWI MUS MOZ NAM SYC ZAF SWZ TZA ZMB ZWE", "IOM RCP overview: Migration Dialogue for Southern Africa (the 15 SADC states of 2009)"),
    "igad_rcp": ("DJI ERI ETH KEN SOM SDN UGA", "IOM RCP overview: IGAD Regional Consultative Process (the 7 IGAD states of 2009)"),
    # the destination states' RCP of the same overview
    "igc": ("AUS BEL CAN DNK FIN DEU GRC IRL NLD NZL NOR ESP SWE CHE GBR USA", "IOM RCP overview: Intergovernmental Consultations on Migration, Asylum and Refugees (16 states)"),
}


def members(spec, states):
    out = []
    for token in spec.split():
        if token == "@Africa":
            out += [s["iso3"] for s in states if s["un_region"] == "Africa"]
        elif token == "@Latin":
            out += [s["iso3"] for s in states if s["un_region"] == "Americas" and s["un_subregion"] != "Northern America"]
        else:
            out.append(token)
    return out


def rows():
    with open(HERE / "un-member-states.csv", newline="", encoding="utf-8") as f:
        states = list(csv.DictReader(f))
    name = {s["iso3"]: s["name"] for s in states}
    out = []
    for forum, (spec, _source) in FORA.items():
        codes = members(spec, states)
        unknown = [c for c in codes if c not in name]
        if unknown or len(set(codes)) != len(codes):
            sys.exit(f"derive_fora.py: forum {forum}: unknown or repeated iso3 {unknown or codes}")
        out += [(forum, c, name[c]) for c in sorted(codes)]
    return out


def render(table):
    import io
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["forum", "iso3", "name"])
    w.writerows(table)
    return buf.getvalue()


def main():
    text = render(rows())
    path = HERE / "fora.csv"
    if "--check" in sys.argv:
        if path.read_text(encoding="utf-8") != text:
            sys.exit("derive_fora.py --check: fora.csv differs from what the script writes")
        print("fora.csv: up to date")
        return
    path.write_text(text, encoding="utf-8")
    print(f"fora.csv: {len(text.splitlines()) - 1} memberships in {len(FORA)} fora")


if __name__ == "__main__":
    main()
