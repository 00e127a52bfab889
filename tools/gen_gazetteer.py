#!/usr/bin/env python3
"""Generate config/geo/countries.yaml, the country part of the brinkwatch gazetteer.

Where the data comes from
-------------------------
The input is countries_gazetteer.csv (250 countries and territories), which was
built from two public data sets:

* mledoze/countries (https://github.com/mledoze/countries), Open Database
  License (ODbL) 1.0: codes, common and official names, alternative spellings,
  capitals, English and French demonyms, names in ar/es/fr/ru/zh.
* lukes/ISO-3166-Countries-with-Regional-Codes
  (https://github.com/lukes/ISO-3166-Countries-with-Regional-Codes), CC BY-SA
  4.0: UN M49 region, sub-region and intermediate region of each code.

countries.yaml is therefore a derivative database of both and carries their
attribution and licences in its header (see also docs/data-sources.md).

The output is committed to the repository, so building, testing and running
brinkwatch need no access to ../shared; run this script again only when the
source data changes:

    python3 tools/gen_gazetteer.py [CSV] [-o config/geo/countries.yaml]

What this script decides
------------------------
The CSV is copied faithfully except for the choices below, each made because
brinkwatch matches names case-insensitively as whole words in news text:

* English names: the common name, the official name when it adds a form that
  the common name does not already cover ("Russian Federation", "Republic of
  Korea"), and those alternative spellings that are English-language forms.
  Bare ISO codes and 2-3 letter abbreviations are dropped ("US" and "UK" would
  match the pronoun "us" and are useless as "uk"); a few unambiguous ones are
  kept (USA, UAE, DRC, DPRK). Native-language and romanised forms are dropped.
  Official long forms are kept even when they contain the common name: a
  leftmost-longest matcher must read "People's Republic of China" as CN, not
  as Taiwan's "Republic of China", and "Democratic Republic of the Congo" as
  CD, not as "Republic of the Congo" (CG).
* ASCII-folded variants are added for English names and capitals with
  diacritics ("Cote d'Ivoire", "Bogota"), because the text normaliser does not
  strip accents; folds that become common words are not added.
* UNSAFE_NAMES and UNSAFE_CAPITALS list names left out because they are common
  words, widely shared place names, or belong to another country more often in
  news; each has its reason. The YAML records omitted capitals as comments.
* FIXES corrects a few malformed or wrong entries in the source
  ("Congo (Rep. Dem.)", a misspelt Arabic name for Mexico).
* A demonym shared by several codes is kept only for the country news means by
  it (DEMONYM_OWNER), e.g. "Congolese" -> CD, "Dominican" -> DO.
* UN M49 has no entry for Taiwan or Kosovo; M49_FALLBACK places them where UN
  statistics count them (with China and Serbia). Antarctica has no M49 region
  and gets no region keys.

Curated additions (more names, cities, institutions, leaders) live in
config/geo/places.yaml; seas, straits and disputed areas in theatres.yaml.

Standard library only; the output is deterministic (sorted by code).
"""

import argparse
import csv
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
# ../shared/data/countries_gazetteer.csv as seen from the repository root.
DEFAULT_CSV = os.path.join(HERE, "..", "..", "shared", "data", "countries_gazetteer.csv")
DEFAULT_OUT = os.path.join(HERE, "..", "config", "geo", "countries.yaml")

LANGS = ["en", "es", "fr", "ru", "ar", "zh"]
CSV_NAME_FIELD = {"es": "name_spa", "fr": "name_fra", "ru": "name_rus", "ar": "name_ara", "zh": "name_zho"}

# Abbreviations among the alternative spellings that are safe as whole words.
SAFE_ABBREVIATIONS = {"USA", "UAE", "DRC", "DPRK"}

# Alternative spellings that are English forms but carry no English marker word.
ENGLISH_ALT_WHITELIST = {
    "Burma", "Holland", "The Netherlands", "Swaziland", "Vatican", "Macao", "Macedonia",
    "East Timor", "Turkiye", "Curacao", "Cote d'Ivoire", "Côte d'Ivoire", "Sao Tome and Principe",
    "Bosnia-Herzegovina", "Congo-Kinshasa", "Congo-Brazzaville", "DR Congo",
    "Great Britain", "Viet Nam", "Brunei Darussalam", "Chinese Taipei", "St. Barthelemy",
    "Saint Helena", "Aland", "Rumania", "Roumania",
}
# Words that mark an alternative spelling as an English long form.
ENGLISH_MARKERS = re.compile(
    r"\b(Republic|Kingdom|States?|Federation|Federated|Union|Commonwealth|Islands?|Isles|"
    r"Principality|Duchy|Confederation|Territory|Territories|Bailiwick|Sultanate|Emirates|"
    r"Democratic|Collectivity|Department|Nation|Independent|Group)\b")
# Function words that mark a non-English long form ("Reino de España", "Svalbard og Jan Mayen").
FOREIGN_WORDS = re.compile(
    r"\b(de|del|du|des|la|le|da|di|do|dé|ta|ya|wa|og|y|e|et|und|na|ng|bilong|blong|er|a|i|o|"
    r"République|República|Republik|Republika|Repubblica|Repubulika|Reino|Royaume|Königreich|"
    r"Koninkrijk|Estado|Territoire|Collectivité|Département|Land|Pais|Stato|Teratri)\b",
    re.IGNORECASE)

# English names left out although the source has them: code -> {name: reason}.
UNSAFE_NAMES = {
    "AE": {"Emirates": "the airline"},
    "CG": {"Congo": "in news bare 'Congo' is usually DR Congo; places.yaml gives it to CD"},
    "RE": {"Réunion": "folds to the common word 'reunion'"},
    "JE": {"Jersey": "matches inside 'New Jersey'"},
    "VG": {"Virgin Islands": "shared by VG and VI"},
    "GS": {"South Georgia": "'south Georgia' is common for the US state"},
    "GF": {"Guiana": "ambiguous with Guyana and the Guianas region"},
}

# Capitals left out: code -> {capital: reason}.
UNSAFE_CAPITALS = {
    "AG": {"Saint John's": "also St. John's, Newfoundland"},
    "AI": {"The Valley": "a common phrase"},
    "BM": {"Hamilton": "common surname; cities in Canada, NZ, Scotland"},
    "BQ": {"The Bottom": "a common phrase", "Oranjestad": "also the capital of Aruba (AW)"},
    "CC": {"West Island": "a generic phrase"},
    "CR": {"San José": "folds to San Jose, California"},
    "FK": {"Stanley": "common given name and surname"},
    "GD": {"St. George's": "many places and institutions share the name"},
    "GY": {"Georgetown": "also a district and university in Washington, D.C.; Penang"},
    "HK": {"City of Victoria": "Victoria, British Columbia; the name is rarely used for Hong Kong"},
    "IM": {"Douglas": "common given name and surname"},
    "KY": {"George Town": "also the capital of Penang, Malaysia"},
    "MS": {"Plymouth": "English city; Plymouth, Massachusetts"},
    "MV": {"Malé": "folds to the common word 'male'"},
    "NF": {"Kingston": "also the capital of Jamaica (JM), which keeps it"},
    "PM": {"Saint-Pierre": "many towns share the name"},
    "RE": {"Saint-Denis": "also the Paris suburb"},
    "SC": {"Victoria": "common given name; Australian state; Canadian city"},
    "SH": {"Jamestown": "many towns share the name"},
}

# Corrections of malformed, wrong or unsafe non-English names: (code, lang) -> list (may be empty).
FIXES = {
    ("CD", "es"): ["República Democrática del Congo"],    # source: "Congo (Rep. Dem.)"
    ("CD", "fr"): ["République démocratique du Congo"],    # source: "Congo (Rép. dém.)"
    ("CD", "ar"): ["جمهورية الكونغو الديمقراطية", "الكونغو"],  # bare Congo -> CD, as in English
    ("CD", "zh"): ["民主刚果", "刚果民主共和国"],
    ("CG", "es"): ["República del Congo"],                 # bare "Congo" belongs to CD
    ("CG", "fr"): ["République du Congo", "Congo-Brazzaville"],
    ("CG", "zh"): ["刚果共和国"],                            # bare 刚果 left to CD
    ("PW", "fr"): ["Palaos", "Palau"],                     # source: "Palaos (Palau)"
    ("SX", "fr"): ["Sint Maarten"],                        # source repeats Saint-Martin (MF)
    ("GD", "es"): [],   # "Granada": the Spanish city, and the Spanish word for grenade
    ("TG", "ru"): [],   # "Того": also the pronoun form "of that"
    ("ML", "ar"): [],   # "مالي": also the adjective "financial"
    ("OM", "ar"): ["سلطنة عمان"],   # bare "عمان" is also Amman, capital of Jordan, unvocalised
    ("MX", "ar"): ["المكسيك"],      # source misspells it "المسكيك"
    ("RS", "ar"): ["صربيا"],        # usual spelling; source has "صيربيا"
    ("MD", "ar"): ["مولدوفا", "مولدوڤا"],
    ("ME", "ar"): ["الجبل الأسود", "الجبل الاسود"],
    ("VG", "ar"): ["جزر العذراء البريطانية"],  # bare form shared with VI
    ("TW", "zh"): ["台湾", "台灣"],
    ("MK", "zh"): ["北马其顿", "北馬其頓"],
    ("BQ", "zh"): ["荷兰加勒比区", "荷蘭加勒比區"],
    ("DM", "zh"): ["多米尼克"],                 # source gives 多米尼加, the Dominican Republic's name
    ("DO", "zh"): ["多米尼加", "多明尼加"],
}

# A demonym shared by several codes stays only with the country news means by it.
DEMONYM_OWNER = {
    "French": "FR", "Dutch": "NL", "Congolese": "CD", "Dominican": "DO", "Indian": "IN",
    "American": "US", "Norwegian": "NO", "Samoan": "WS",
    "français": "FR", "française": "FR", "néerlandais": "NL", "néerlandaise": "NL",
    "congolais": "CD", "congolaise": "CD", "samoan": "WS", "samoane": "WS", "américaine": "US",
}
# Shared demonyms that belong to no single country.
DEMONYM_DROP = {"Channel Islander", "Virgin Islander", "saint-martinois", "saint-martinoise"}

# English demonyms without a regular plural.
NO_PLURAL = {"I-Kiribati", "Ni-Vanuatu", "Mosotho", "Motswana", "Turkmen", "Greenlandic",
             "Malagasy", "Thai"}

# UN M49 does not list these codes separately; UN statistics count them with CN and RS.
M49_FALLBACK = {
    "TW": ("Asia", "Eastern Asia", "not listed in UN M49; counted with China (CN)"),
    "XK": ("Europe", "Southern Europe", "not listed in UN M49; counted with Serbia (RS)"),
}


def fold(s):
    """ASCII-fold Latin diacritics; None if the result is not plain ASCII."""
    out = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    out = out.replace("’", "'")
    return out if out.isascii() else None


def unique(seq):
    seen, out = set(), []
    for x in seq:
        k = x.casefold()
        if x and k not in seen:
            seen.add(k)
            out.append(x)
    return out


def is_english_alt(s):
    if s in SAFE_ABBREVIATIONS or s in ENGLISH_ALT_WHITELIST:
        return True
    if re.fullmatch(r"[A-Z]{1,4}", s):          # codes and abbreviations
        return False
    if " " not in s and "-" not in s:           # single words: native names ("Suomi", "Island")
        return False
    if "," in s or "(" in s or not all(c.isascii() or c in "ôéíçåü" for c in s):
        return False
    return bool(ENGLISH_MARKERS.search(s)) and not FOREIGN_WORDS.search(s)


def english_names(row):
    code = row["cca2"]
    unsafe = UNSAFE_NAMES.get(code, {})
    cands = [row["name_common"]]
    off = row["name_official"]
    if is_english_alt(off) or off == row["name_common"]:
        cands.append(off)
    cands += [a for a in row["alt_spellings"].split("|") if a and a != code and is_english_alt(a)]
    out = []
    for n in cands:
        out.append(n)
        f = fold(n)
        if f and f != n:
            out.append(f)
    unsafe_folded = {(fold(u) or u).casefold() for u in unsafe}
    return [n for n in unique(out) if (fold(n) or n).casefold() not in unsafe_folded]


def capitals(row):
    unsafe = UNSAFE_CAPITALS.get(row["cca2"], {})
    names = set(n.casefold() for n in [row["name_common"], row["name_official"]])
    caps, omitted = [], []
    for c in (c for c in row["capital"].split("|") if c):
        if c in unsafe:
            omitted.append((c, unsafe[c]))
            continue
        if c.casefold() in names:     # "Singapore", "Monaco": the country name already matches
            continue
        caps.append(c)
        f = fold(c)
        if f and f != c:
            caps.append(f)
    return unique(caps), omitted


def split_demonyms(s):
    return [p.strip() for p in re.split(r",| or | et ", s) if p.strip()]


def en_plural(d):
    last = d.split()[-1]
    if d in NO_PLURAL or last in NO_PLURAL:
        return None
    if last == "Czech":
        return d + "s"
    if re.search(r"(ese|sh|ch|s|x|z|ic)$", last):
        return None
    return d + "s"


def fr_plural(d):
    return None if d.endswith(("s", "x")) else d + "s"


def demonyms(row, owners):
    code = row["cca2"]
    country_names = {n.casefold() for n in english_names(row)} | {row["name_common"].casefold()}
    en = []
    for d in split_demonyms(row["demonym_eng_m"]) + split_demonyms(row["demonym_eng_f"]):
        if d.casefold() in country_names or d in DEMONYM_DROP:
            continue
        if owners.get(d, code) != code:
            continue
        en += [d] + ([en_plural(d)] if en_plural(d) else [])
    fr = []
    for d in split_demonyms(row["demonym_fra_m"]) + split_demonyms(row["demonym_fra_f"]):
        d = d.lower()
        if d in DEMONYM_DROP or owners.get(d, code) != code:
            continue
        fr += [d] + ([fr_plural(d)] if fr_plural(d) else [])
    return unique(en), unique(fr)


def demonym_owners(rows):
    """Map each demonym used by more than one code to its owner (or to None: dropped)."""
    users = {}
    for r in rows:
        ds = split_demonyms(r["demonym_eng_m"]) + split_demonyms(r["demonym_eng_f"])
        ds += [d.lower() for d in split_demonyms(r["demonym_fra_m"]) + split_demonyms(r["demonym_fra_f"])]
        for d in set(ds):
            users.setdefault(d, set()).add(r["cca2"])
    owners = {}
    for d, codes in users.items():
        if len(codes) > 1:
            owner = DEMONYM_OWNER.get(d)
            if owner is None and d not in DEMONYM_DROP:
                sys.exit(f"demonym {d!r} is shared by {sorted(codes)}: add it to DEMONYM_OWNER or DEMONYM_DROP")
            owners[d] = owner
    return owners


# --- YAML output ----------------------------------------------------------------------------

_YAML_SPECIAL = re.compile(r"""^[-?:,\[\]{}#&*!|>'"%@`\s]|[,\[\]{}#]|: |\s$|^$""")
_YAML_BOOLNULL = re.compile(
    r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
    r"null|Null|NULL|~|[-+]?[0-9][0-9_.:eE+-]*)$")


def q(s):
    """A YAML scalar: plain when it reads back as the same string, else double-quoted."""
    if _YAML_SPECIAL.search(s) or _YAML_BOOLNULL.match(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def flow(items):
    return "[" + ", ".join(q(i) for i in items) + "]"


def render(rows):
    owners = demonym_owners(rows)
    out = [
        "# Generated by tools/gen_gazetteer.py from countries_gazetteer.csv — do not edit by hand;"
        " curated additions live in places.yaml.",
        "#",
        "# Contains information from mledoze/countries (https://github.com/mledoze/countries),",
        "# made available under the Open Database License (ODbL) 1.0",
        "# (https://opendatacommons.org/licenses/odbl/1-0/), and UN M49 regions from",
        "# lukes/ISO-3166-Countries-with-Regional-Codes, licensed CC BY-SA 4.0",
        "# (https://creativecommons.org/licenses/by-sa/4.0/). This file is a derivative database",
        "# offered under the same terms: ODbL 1.0 (and CC BY-SA 4.0 for the region data).",
        "# Names were filtered and corrected for matching news text; see the script and",
        "# docs/data-sources.md.",
        "",
        "countries:",
    ]
    for r in sorted(rows, key=lambda r: r["cca2"]):
        code = r["cca2"]
        out.append(f"  - code: {q(code)}")
        out.append(f"    name: {q(r['name_common'])}")
        region, sub, inter = r["m49_region"], r["m49_sub_region"], r["m49_intermediate_region"]
        if not region and code in M49_FALLBACK:
            region, sub, why = M49_FALLBACK[code]
            out.append(f"    # {why}")
        if region:
            out.append(f"    m49_region: {q(region)}")
        if sub:
            out.append(f"    m49_sub_region: {q(sub)}")
        if inter:
            out.append(f"    m49_intermediate_region: {q(inter)}")
        if not region:
            out.append("    # no UN M49 region or sub-region")
        out.append("    names:")
        out.append(f"      en: {flow(english_names(r))}")
        for lang in LANGS[1:]:
            names = FIXES.get((code, lang), [r[CSV_NAME_FIELD[lang]]])
            names = unique([n for n in names if n])
            if names:
                out.append(f"      {lang}: {flow(names)}")
        en_dem, fr_dem = demonyms(r, owners)
        if en_dem or fr_dem:
            out.append("    demonyms:")
            if en_dem:
                out.append(f"      en: {flow(en_dem)}")
            if fr_dem:
                out.append(f"      fr: {flow(fr_dem)}")
        caps, omitted = capitals(r)
        for c, why in omitted:
            out.append(f"    # capital {c} omitted: {why}")
        if caps:
            out.append("    capitals:")
            out.append(f"      en: {flow(caps)}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", nargs="?", default=DEFAULT_CSV, help="countries_gazetteer.csv")
    ap.add_argument("-o", "--output", default=DEFAULT_OUT, help="countries.yaml to write")
    args = ap.parse_args()
    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    codes = [r["cca2"] for r in rows]
    if len(set(codes)) != len(codes):
        sys.exit("duplicate cca2 codes in the input")
    text = render(rows)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {len(rows)} countries to {args.output}")


if __name__ == "__main__":
    main()
