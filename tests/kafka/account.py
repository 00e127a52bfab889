"""Accounts for every article of an input file in the signals and dead-letter topics.

Expected output is `brinkwatch classify` of the same file: each valid article's signals (type,
score, regions) as brinkwatch.signal/1 records, one per region, each invalid line exactly one dead letter whose
error.code header is the code classify reports. Duplicates (the same record twice) are allowed
up to --max-duplicate-articles distinct articles (at-least-once); anything missing or unexpected
fails. Exit 0 when complete; --quiet prints nothing (for polling).
"""
import argparse
import collections
import json
import re
import sys

p = argparse.ArgumentParser()
p.add_argument("--input", required=True)
p.add_argument("--classify", required=True)
p.add_argument("--signals", required=True)
p.add_argument("--dead", required=True)
p.add_argument("--max-duplicate-articles", type=int, default=0)
p.add_argument("--quiet", action="store_true")
a = p.parse_args()

def say(*x):
    if not a.quiet:
        print(*x)

lines = open(a.input, "rb").read().split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
expected = collections.Counter()
expected_dead = {}  # payload → code
for rec in (json.loads(l) for l in open(a.classify, encoding="utf-8")):
    if "error" in rec:
        expected_dead[lines[rec["line"] - 1]] = rec["error"]["code"]
        continue
    for s in rec["signals"]:
        # One record per region the signal is attributed to (or one "unlocated").
        for region in s["regions"] or ["unlocated"]:
            expected[(rec["id"], s["type"], s["score"], tuple(s["regions"]), region)] += 1

got = collections.Counter()
schema_errors = 0
for l in open(a.signals, encoding="utf-8"):
    if not l.strip():
        continue
    r = json.loads(l)
    if r.get("schema") != "brinkwatch.signal/1" or not r.get("fingerprint") or not r.get("detected_at"):
        schema_errors += 1
    got[(r["article_id"], r["type"], r["score"], tuple(r["regions"]), r.get("region"))] += 1

dead = collections.defaultdict(list)
for l in open(a.dead, "rb").read().split(b"\n"):
    if not l:
        continue
    hdrs, _, payload = l.partition(b"\t")
    m = re.search(rb"error\.code=([a-z0-9_]+)", hdrs)
    dead[payload].append(m.group(1).decode() if m else "?")

ok = True
missing = [k for k in expected if got[k] == 0]
unexpected = [k for k in got if k not in expected]
dup_articles = {k[0] for k in got if got[k] > expected.get(k, 0) and k in expected}
if missing:
    ok = False
    say(f"missing {len(missing)} signal records, e.g. {missing[:3]}")
if unexpected:
    ok = False
    say(f"unexpected {len(unexpected)} signal records, e.g. {unexpected[:3]}")
if schema_errors:
    ok = False
    say(f"{schema_errors} records without schema brinkwatch.signal/1, fingerprint or detected_at")
dead_missing = [p for p in expected_dead if p not in dead]
dead_wrong = [(p[:40], expected_dead[p], dead[p]) for p in expected_dead if p in dead and set(dead[p]) != {expected_dead[p]}]
dead_extra = [p[:40] for p in dead if p not in expected_dead]
dead_dups = sum(len(v) - 1 for v in dead.values())
if dead_missing:
    ok = False
    say(f"{len(dead_missing)} bad articles without a dead letter, e.g. {dead_missing[:2]}")
if dead_wrong:
    ok = False
    say(f"dead letters with the wrong error.code: {dead_wrong[:3]}")
if dead_extra:
    ok = False
    say(f"dead letters for valid input: {dead_extra[:3]}")
duplicated = len(dup_articles) + dead_dups
if duplicated > a.max_duplicate_articles:
    ok = False
    say(f"{duplicated} articles duplicated; at most {a.max_duplicate_articles} allowed")
n_articles = len(lines)
say(f"{n_articles} articles: {sum(expected.values())} signal records expected, {sum(got.values())} read; "
    f"{len(expected_dead)} dead letters expected, {sum(len(v) for v in dead.values())} read; "
    f"{duplicated} articles duplicated")
sys.exit(0 if ok else 1)
