"""Accounts for every message of the hostile corpus (hostile_corpus.py) after `brinkwatch run`.

Each message was produced with its kind as the Kafka key. A message whose manifest outcome is an
error code must have exactly one dead letter with that key, that error.code header, its
source.partition, and the original value (cut to 900 KiB, with payload.truncated_from, when
larger). A message expected to be processed must have no dead letter and exactly the signal
records `brinkwatch classify` finds for it (type, score, regions; one per region). Exit 0 when
all hold; --quiet prints nothing (for polling).

usage: hostile_check.py CORPUS_DIR CLASSIFY_OUT SIGNALS_OUT DEAD_OUT [--quiet]
  DEAD_OUT: kcat -f '%k\t%h\t%S\n' of the dead-letter topic
"""
import collections
import json
import sys

corpus, classify_out, signals_out, dead_out = sys.argv[1:5]
quiet = "--quiet" in sys.argv[5:]
MAX_DEAD_LETTER = 900 * 1024


def say(*x):
    if not quiet:
        print(*x)


manifest = {}
for line in open(f"{corpus}/manifest.tsv"):
    kind, partition, expect, size = line.rstrip("\n").split("\t")
    manifest[kind] = (int(partition), expect, int(size))
# The two empty messages the test produced itself (an empty and a null value).
manifest["empty_value"] = (6, "empty", 0)
manifest["null_value"] = (6, "empty", 0)

expected = collections.Counter()
for rec in (json.loads(l) for l in open(classify_out, encoding="utf-8")):
    if "error" in rec:
        say(f"classify refused an article meant to be processed: {rec}")
        sys.exit(1)
    for s in rec["signals"]:
        for region in s["regions"] or ["unlocated"]:
            expected[(rec["id"], s["type"], s["score"], tuple(s["regions"]), region)] += 1

got = collections.Counter()
for l in open(signals_out, encoding="utf-8"):
    if l.strip():
        r = json.loads(l)
        got[(r["article_id"], r["type"], r["score"], tuple(r["regions"]), r.get("region"))] += 1

dead = collections.defaultdict(list)
for l in open(dead_out, "rb").read().split(b"\n"):
    if not l:
        continue
    key, headers, size = l.split(b"\t")
    h = {}
    for kv in headers.decode().split(","):
        k, _, v = kv.partition("=")
        h.setdefault(k, v)
    dead[key.decode()].append((h, int(size)))

ok = True
for kind, (partition, expect, size) in manifest.items():
    letters = dead.get(kind, [])
    if expect == "ok":
        if letters:
            ok = False
            say(f"{kind}: expected to be processed, got dead letter {letters[0][0].get('error.code')}: "
                f"{letters[0][0].get('error.message')}")
        continue
    if len(letters) != 1:
        ok = False
        say(f"{kind}: expected one dead letter ({expect}), got {len(letters)}")
        continue
    h, got_size = letters[0]
    want_size = min(size, MAX_DEAD_LETTER)
    problems = []
    if h.get("error.code") != expect:
        problems.append(f"error.code {h.get('error.code')} ({h.get('error.message')}), expected {expect}")
    if h.get("source.partition") != str(partition):
        problems.append(f"source.partition {h.get('source.partition')}, expected {partition}")
    if max(got_size, 0) != want_size:
        problems.append(f"value of {got_size} bytes, expected {want_size}")
    if size > MAX_DEAD_LETTER and h.get("payload.truncated_from") != str(size):
        problems.append(f"payload.truncated_from {h.get('payload.truncated_from')}, expected {size}")
    if problems:
        ok = False
        say(f"{kind}: " + "; ".join(problems))
extra = [k for k in dead if k not in manifest]
if extra:
    ok = False
    say(f"dead letters for keys not in the corpus: {extra[:5]}")

missing = [k for k in expected if got[k] < expected[k]]
unexpected = [k for k in got if k not in expected]
duplicated = [k for k in got if k in expected and got[k] > expected[k]]
if missing:
    ok = False
    say(f"missing {len(missing)} signal records, e.g. {missing[:3]}")
if unexpected:
    ok = False
    say(f"unexpected {len(unexpected)} signal records, e.g. {unexpected[:3]}")
if duplicated:
    ok = False
    say(f"duplicated signal records (no restart happened): {duplicated[:3]}")
n_dead = sum(1 for v in manifest.values() if v[1] != "ok")
say(f"{len(manifest)} messages: {n_dead} dead letters expected, {sum(len(v) for v in dead.values())} read; "
    f"{sum(expected.values())} signal records expected, {sum(got.values())} read")
sys.exit(0 if ok else 1)
