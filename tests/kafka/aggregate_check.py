#!/usr/bin/env python3
"""Scenario and checks for the aggregate stage's Kafka tests (aggregate_*_test.sh).

  gen-recent OUT [--days-ago N]
                               a burst on one region N days ago by the wall clock
  gen OUT                      signal records (brinkwatch.signal/1) as KEY<TAB>JSON lines, in
                               event-time order, for `kcat -P -K '\\t' -l OUT`
  alerts --run FILE --reference FILE [--expect REGION:LEVEL ...]
                               alert records (one JSON per line, as read from the alerts topic)
                               against an uninterrupted reference run of the same input
  owners --changelog FILE --alerts FILE [--instances A,B]
                               who wrote what: every region's state in one changelog partition,
                               each partition written by one process at a time

The scenario is invented. Events are dated 2031 so that the stage's wall-clock tick (which only
moves stream time forward, to now) never changes them: the run is deterministic and a reference
run gives the exact alerts to expect.
"""
import argparse
import collections
import json
import random
import sys
from datetime import datetime, timedelta, timezone

T0 = datetime(2031, 3, 1, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)

PUBLISHERS = [
    "caribbean-herald.test", "example-wire.test", "andes-post.test", "harbour-times.test",
    "atlantic-ledger.test", "southern-cross-news.test", "meridian-daily.test", "coastal-observer.test",
    "capital-bulletin.test", "global-dispatch.test", "north-star-press.test", "isthmus-review.test",
]

# Quiet regions: an ordinary signal now and then, so every partition's stream time moves and
# baselines have something to learn.
BACKGROUND = ["country:BR", "country:IN", "country:NG", "country:PE", "country:KE", "country:PL",
              "country:JP", "country:EG", "country:MX", "country:TH", "country:CL", "country:ZA"]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Gen:
    def __init__(self):
        self.rng = random.Random(20310301)
        self.records = []
        self.n = 0

    def minhash(self):
        # 64 random 16-bit slots: unrelated to every other story (similarity about 0).
        return "".join(f"{self.rng.getrandbits(16):04x}" for _ in range(64))

    def signal(self, region, when, type_, score, source, title, sentence, minhash=None, article=None):
        self.n += 1
        article = article or f"agg-{self.n:05d}"
        minhash = minhash or self.minhash()
        rec = {
            "schema": "brinkwatch.signal/1",
            "article_id": article,
            "url": f"https://{source}/world/{article}",
            "source": source,
            "title": title,
            "published_at": iso(when),
            "detected_at": iso(when + timedelta(minutes=4)),
            "type": type_,
            "score": score,
            "modifiers": [],
            "region": region,
            "regions": [region],
            "countries": [region.split(":")[1]] if region.startswith("country:") else [],
            "actors": [],
            "theatres": [],
            "evidence": [{"sentence": sentence, "field": "text", "begin": 0, "end": len(sentence.encode()),
                          "terms": [], "rule": f"test.{type_}", "revision": 1, "score": score, "modifiers": []}],
            "ruleset": "test-ruleset",
            "fingerprint": f"{self.rng.getrandbits(64):016x}",
            "minhash": minhash,
        }
        self.records.append((when, self.n, region, json.dumps(rec, ensure_ascii=False)))

    def raw(self, region, when, text):
        self.n += 1
        self.records.append((when, self.n, region, text))


def generate(out):
    g = Gen()
    days = 14
    # Background: an ordinary story every 10 to 16 hours per quiet region, each reprinted a few
    # times by its own publisher (one story, one source: it must not count more).
    for region in BACKGROUND:
        t = T0 + timedelta(minutes=g.rng.randrange(0, 600))
        while t < T0 + timedelta(days=days):
            story, source = g.minhash(), g.rng.choice(PUBLISHERS)
            type_ = g.rng.choice(["arms_transfer", "coercive_measure", "diplomatic_rupture"])
            for copy in range(g.rng.randrange(1, 8)):
                g.signal(region, t + timedelta(minutes=7 * copy), type_, 0.6, source,
                         f"Routine tensions in {region}", f"Officials in {region} traded complaints on Tuesday.",
                         minhash=story)
            t += timedelta(minutes=g.rng.randrange(600, 960))

    # Venezuela: quiet for five days, then warships, threats and strikes within a day, from
    # many publishers; a ceasefire on day 7; quiet afterwards, so it decays.
    ve = "country:VE"
    t = T0
    while t < T0 + timedelta(days=5):
        g.signal(ve, t, "coercive_measure", 0.55, g.rng.choice(PUBLISHERS), "Sanctions debate continues",
                 "Diplomats discussed new sanctions on Caracas.")
        t += 9 * HOUR
    start = T0 + timedelta(days=5, hours=6)
    waves = [("military_deployment", "US destroyers ordered to the southern Caribbean",
              "Three guided-missile destroyers were ordered to waters off Venezuela's coast.", 0.85),
             ("threat_of_force", "Washington warns Caracas of strikes",
              "Officials said strikes on Venezuelan targets were ready if needed.", 0.8),
             ("use_of_force", "Strikes hit coastal sites in Venezuela",
              "Missiles struck radar sites near the Venezuelan coast overnight, officials said.", 0.95)]
    for w, (type_, title, sentence, score) in enumerate(waves):
        for i in range(14):
            when = start + timedelta(hours=4 * w) + timedelta(minutes=17 * i)
            g.signal(ve, when, type_, score, PUBLISHERS[(i + w) % len(PUBLISHERS)], f"{title} ({i})", sentence)
    # One wire story reprinted fifty times by one publisher: one story, one source.
    wire = g.minhash()
    for i in range(50):
        g.signal(ve, start + timedelta(hours=2, minutes=i), "military_deployment", 0.85, "example-wire.test",
                 "Warships gather off Venezuela", "Warships gathered off Venezuela's coast on Monday.", minhash=wire)
    # The ceasefire, reported widely.
    for i in range(10):
        g.signal(ve, start + timedelta(days=1, hours=6, minutes=30 * i), "de_escalation", 0.9,
                 PUBLISHERS[i % len(PUBLISHERS)], f"Ceasefire agreed ({i})",
                 "Both governments agreed to a ceasefire and the destroyers turned back.")

    # The Taiwan Strait: a smaller build-up on day 3.
    ts = "theatre:taiwan_strait"
    for i in range(16):
        g.signal(ts, T0 + timedelta(days=3, minutes=40 * i), "military_deployment", 0.8, PUBLISHERS[i % 8],
                 f"Warships cross the strait ({i})", "Warships and aircraft crossed the median line of the strait.")

    # Records the stage cannot read: dead letters, and the stream goes on.
    g.raw(ve, T0 + timedelta(days=2), '{"schema": "brinkwatch.signal/1", "article_id": "broken-1"')
    g.raw(ve, T0 + timedelta(days=4), '{"schema": "brinkwatch.other/9", "article_id": "broken-2"}')
    g.raw(ts, T0 + timedelta(days=6), '[1, 2, 3]')

    g.records.sort(key=lambda r: (r[0], r[1]))
    with open(out, "w", encoding="utf-8") as f:
        for _, _, key, value in g.records:
            f.write(f"{key}\t{value}\n")
    print(len(g.records))


def generate_recent(out, days_ago):
    """A short burst of strikes on one region, days ago by the wall clock: it rises at once, and
    only the stage's wall-clock tick can bring it down again (no record comes after it)."""
    g = Gen()
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=days_ago)
    for i in range(4):
        g.signal("country:CU", start + timedelta(minutes=20 * i), "use_of_force", 0.9, PUBLISHERS[i],
                 f"Strike reported on the coast ({i})", "Missiles struck a coastal radar site overnight, officials said.")
    with open(out, "w", encoding="utf-8") as f:
        for _, _, key, value in g.records:
            f.write(f"{key}\t{value}\n")
    print(len(g.records))


def load_alerts(path):
    out = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not JSON: {e}")
    return out


def change(a):
    return (a["region"], a["level"], a["previous_level"], a["changed_at"])


def check_alerts(args):
    problems = []
    run, ref = load_alerts(args.run), load_alerts(args.reference)
    if not ref:
        problems.append("the reference run produced no alert: the scenario does not exercise anything")

    def distinct(alerts, name):
        by_id = {}
        ids_by_change = collections.defaultdict(set)
        for a in alerts:
            if a.get("schema") != "brinkwatch.alert/1":
                problems.append(f"{name}: not a brinkwatch.alert/1 record: {a.get('schema')}")
            if a["id"] in by_id and by_id[a["id"]] != change(a):
                problems.append(f"{name}: id {a['id']} names two level changes: {by_id[a['id']]} and {change(a)}")
            by_id[a["id"]] = change(a)
            ids_by_change[change(a)].add(a["id"])
        for c, ids in ids_by_change.items():
            if len(ids) != 1:
                problems.append(f"{name}: level change {c} published under {len(ids)} ids: {sorted(ids)}")
        return by_id

    run_ids, ref_ids = distinct(run, "run"), distinct(ref, "reference")
    for i in sorted(set(ref_ids) - set(run_ids), key=lambda i: ref_ids[i][3]):
        problems.append(f"lost: {ref_ids[i]} ({i})")
    for i in sorted(set(run_ids) - set(ref_ids), key=lambda i: run_ids[i][3]):
        problems.append(f"not in the reference: {run_ids[i]} ({i})")

    # Each region's changes chain up: every previous level is the level before it.
    per_region = collections.defaultdict(list)
    for c in run_ids.values():
        per_region[c[0]].append(c)
    for region, changes in per_region.items():
        level = "none"
        for c in sorted(changes, key=lambda c: c[3]):
            if c[2] != level:
                problems.append(f"{region}: change to {c[1]} at {c[3]} says it came from {c[2]}, but it was {level}")
            level = c[1]
    for e in args.expect or []:
        region, level = e.rsplit(":", 1)
        if not any(c[0] == region and c[1] == level for c in run_ids.values()):
            problems.append(f"expected {region} to reach {level}")

    print(f"{len(run)} alert records, {len(run_ids)} distinct; reference {len(ref)} records, {len(ref_ids)} distinct; "
          f"{len(per_region)} regions: " + ", ".join(
              f"{r} {'>'.join(c[1] for c in sorted(cs, key=lambda c: c[3]))}" for r, cs in sorted(per_region.items())))
    for p in problems[:30]:
        print("  " + p)
    return 1 if problems else 0


def parse_headers(h):
    out = {}
    for kv in h.split(","):
        if "=" in kv:
            k, v = kv.split("=", 1)
            out[k] = v
    return out


def check_owners(args):
    """Changelog lines: PARTITION<TAB>KEY<TAB>HEADERS; alert lines: HEADERS<TAB>JSON."""
    problems = []
    key_parts = collections.defaultdict(set)
    writers = collections.defaultdict(list)  # changelog partition → instances in offset order
    for line in open(args.changelog, encoding="utf-8"):
        part, key, headers = line.rstrip("\n").split("\t", 2)
        h = parse_headers(headers)
        if h.get("source.partition") != part:
            problems.append(f"changelog partition {part} holds state of signals partition {h.get('source.partition')}")
        if key not in ("~partition", "~input"):  # per-partition records, in every partition
            key_parts[key].add(part)
        if not writers[part] or writers[part][-1] != h.get("instance"):
            writers[part].append(h.get("instance"))
    for key, parts in key_parts.items():
        if len(parts) > 1:
            problems.append(f"{key}: state in changelog partitions {sorted(parts)}")
    for part, runs in sorted(writers.items()):
        if len(runs) != len(set(runs)):
            problems.append(f"changelog partition {part} written by turns: {' -> '.join(runs)}")
    region_parts = collections.defaultdict(set)
    region_writers = collections.defaultdict(set)
    for line in open(args.alerts, encoding="utf-8"):
        headers, value = line.rstrip("\n").split("\t", 1)
        h = parse_headers(headers)
        a = json.loads(value)
        region_parts[a["region"]].add(h.get("source.partition"))
        region_writers[a["region"]].add(h.get("instance"))
    for region, parts in region_parts.items():
        if len(parts) > 1:
            problems.append(f"{region}: alerts from signals partitions {sorted(parts)}")
        (part,) = parts
        if part is not None and not region_writers[region] <= set(writers.get(part, [])):
            problems.append(f"{region}: alerts written by {sorted(region_writers[region])}, "
                            f"but its state only by {writers.get(part)}")
    if args.instances:
        seen = {i for runs in writers.values() for i in runs}
        for inst in args.instances.split(","):
            if not any(s and s.endswith("/" + inst) for s in seen):
                problems.append(f"process {inst} wrote no changelog record")
    print(f"{len(key_parts)} regions in {len(writers)} changelog partitions; writers: " +
          "; ".join(f"{p}: {' -> '.join(r)}" for p, r in sorted(writers.items())))
    for p in problems[:30]:
        print("  " + p)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("out")
    r = sub.add_parser("gen-recent")
    r.add_argument("out")
    r.add_argument("--days-ago", type=float, default=5)
    a = sub.add_parser("alerts")
    a.add_argument("--run", required=True)
    a.add_argument("--reference", required=True)
    a.add_argument("--expect", action="append")
    o = sub.add_parser("owners")
    o.add_argument("--changelog", required=True)
    o.add_argument("--alerts", required=True)
    o.add_argument("--instances")
    args = ap.parse_args()
    if args.cmd == "gen":
        generate(args.out)
        return 0
    if args.cmd == "gen-recent":
        generate_recent(args.out, args.days_ago)
        return 0
    if args.cmd == "alerts":
        return check_alerts(args)
    return check_owners(args)


if __name__ == "__main__":
    sys.exit(main())
