#!/usr/bin/env python3
"""Multilingual detection figures for docs/quality.md (issue: multilingual detection).

usage: tools/multilingual_eval.py [--bin build/brinkwatch] [--config config/brinkwatch.yaml]
                                  [--shared ../shared]

Reads the evaluation sets in ../shared/eval/multilingual (development data, never shipped) and
prints:
  - NTREX-128 parallel sentences: per language, of the sentences where English gets a signal
    type, the share where that language gets the same type; and the share of sentences flagged
    in that language where English has nothing; plus language-identification accuracy.
  - Spanish AFP sentences with CAMEO codes: precision and recall of threat_of_force (13x) and
    use_of_force (18x-20x).
  - Arabic Asharq al-Awsat sentences: precision and recall of use_of_force against the yes/no
    labels ("difficult no" counts as no; "ambiguous" is reported separately, not scored).
"""
import argparse, collections, json, os, subprocess, sys

LANGS = ["es", "fr", "ru", "ar", "zh"]


def classify(bin_, config, rows):
    """rows: list of (id, text, lang or None) -> {id: (set(types), detected lang)}"""
    inp = "".join(json.dumps({"id": i, "text": t, **({"lang": l} if l else {})}, ensure_ascii=False) + "\n"
                  for i, t, l in rows)
    out = subprocess.run([bin_, "classify", "-c", config, "-"], input=inp, capture_output=True,
                         text=True).stdout
    res = {}
    for line in out.splitlines():
        r = json.loads(line)
        if "id" in r:
            res[r["id"]] = ({s["type"] for s in r["signals"]}, r.get("lang", ""))
    return res


def pr(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return p, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/brinkwatch")
    ap.add_argument("--config", default="config/brinkwatch.yaml")
    ap.add_argument("--shared", default="../shared")
    a = ap.parse_args()
    d = os.path.join(a.shared, "eval", "multilingual")

    ntrex = [json.loads(l) for l in open(os.path.join(d, "ntrex128_newstest2019_parallel.jsonl"), encoding="utf-8")]
    # Language is left for brinkwatch to identify, as it would be for a producer without `lang`.
    en = classify(a.bin, a.config, [(r["id"], r["text_en"], None) for r in ntrex])
    print("NTREX-128 (1,997 parallel sentences); English flags", sum(1 for v in en.values() if v[0]), "sentences")
    print(f"{'lang':5} {'langid':>7} {'same type when en has it':>26} {'flagged where en has none':>27}")
    for lang in ["en"] + LANGS:
        got = en if lang == "en" else classify(a.bin, a.config, [(r["id"], r["text_" + lang], None) for r in ntrex])
        langid = sum(1 for v in got.values() if v[1] == lang) / len(got)
        pairs = hits = 0
        quiet = quiet_flagged = 0
        for r in ntrex:
            et, lt = en[r["id"]][0], got[r["id"]][0]
            for t in et:
                pairs += 1
                hits += t in lt
            if not et:
                quiet += 1
                quiet_flagged += bool(lt)
        agree = hits / pairs if pairs else float("nan")
        print(f"{lang:5} {langid:7.3f} {agree:13.3f} ({hits}/{pairs}) {quiet_flagged / quiet:14.3f} ({quiet_flagged}/{quiet})")

    es = [json.loads(l) for l in open(os.path.join(d, "upetrarch_spanish_fight_cameo_es.jsonl"), encoding="utf-8")]
    got = classify(a.bin, a.config, [(r["id"], r["text"], "es") for r in es])
    print(f"\nSpanish AFP / CAMEO ({len(es)} sentences)")
    for typ, lo, hi in (("threat_of_force", 130, 139), ("use_of_force", 180, 209)):
        tp = fp = fn = 0
        for r in es:
            codes = [int(e["eventcode"].split("_")[0][:3]) for e in r.get("events", []) if e.get("eventcode")]
            gold = any(lo <= c <= hi for c in codes)
            pred = typ in got[r["id"]][0]
            tp += gold and pred
            fp += pred and not gold
            fn += gold and not pred
        p, rc = pr(tp, fp, fn)
        print(f"  {typ:16} P {p:.3f} R {rc:.3f} (tp {tp}, fp {fp}, fn {fn})")

    ar = [json.loads(l) for l in open(os.path.join(d, "arabic_event_gsr_assault_ar.jsonl"), encoding="utf-8")]
    got = classify(a.bin, a.config, [(r["id"], r["text"], "ar") for r in ar])
    tp = fp = fn = 0
    amb = amb_flagged = 0
    for r in ar:
        pred = "use_of_force" in got[r["id"]][0]
        if r["label"] == "ambiguous":
            amb += 1
            amb_flagged += pred
            continue
        gold = r["label"] == "yes"
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    p, rc = pr(tp, fp, fn)
    print(f"\nArabic assault ({len(ar)} sentences; 'difficult no' counted as no)")
    print(f"  use_of_force     P {p:.3f} R {rc:.3f} (tp {tp}, fp {fp}, fn {fn}); ambiguous: {amb_flagged} of {amb} flagged")


if __name__ == "__main__":
    main()
