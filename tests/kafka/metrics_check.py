"""Checks of /metrics scrapes against what the input dictates (tests/kafka/metrics_test.sh).

  metrics_check.py format SCRAPE
      the exposition format: every sample after its family's # HELP and # TYPE
  metrics_check.py detect-delta BEFORE AFTER INPUT
      per-rule hits and per-(region, type) signal records moved by what `brinkwatch classify`
      says of INPUT (INPUT.classify, and INPUT.explain from classify --explain)
  metrics_check.py readback SCRAPE SIGNALS ALERTS
      brinkwatch_detect_signals_total equals the signal records read back per (region, type);
      brinkwatch_aggregate_alerts_total equals the alert records read back per level
  metrics_check.py histograms SCRAPE
      each processing histogram is cumulative, its +Inf bucket and _count equal the stage's
      completed counter, and its sum is positive once anything completed
  metrics_check.py lag SCRAPE STAGE TOPIC PARTITION...
      brinkwatch_consumer_lag has a sample for each PARTITION of TOPIC (those that hold
      records), all 0, and none for a partition of another stage or topic
"""
import collections
import json
import re
import sys

SAMPLE = re.compile(r'^(\w+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def load(path):
    """{(name, frozenset(labels)): value} of every sample."""
    out = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        m = SAMPLE.match(line.rstrip("\n"))
        if not m:
            raise SystemExit(f"not a sample: {line!r}")
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def family(metrics, name):
    """{labels dict as sorted tuple: value} of one metric name."""
    return {tuple(sorted(k[1])): v for k, v in metrics.items() if k[0] == name}


def fmt_format(path):
    helped, typed, ok = set(), {}, True
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if m := re.match(r"# HELP (\w+) .+", line):
            helped.add(m.group(1))
        elif m := re.match(r"# TYPE (\w+) (counter|gauge|histogram)$", line):
            typed[m.group(1)] = m.group(2)
        elif m := SAMPLE.match(line):
            name, labels, value = m.groups()
            base = name
            if name not in typed:
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if typed.get(base) != "histogram":
                    print(f"no # TYPE for {name}")
                    ok = False
                    continue
            ok &= base in helped and name.startswith("brinkwatch_")
            if labels is not None and LABEL.sub("", labels).replace(",", "") != "":
                print(f"bad labels: {line!r}")
                ok = False
            try:
                float(value)
            except ValueError:
                print(f"bad value: {line!r}")
                ok = False
        else:
            print(f"not exposition format: {line!r}")
            ok = False
    return ok


def detect_delta(before_path, after_path, input_path):
    before, after = load(before_path), load(after_path)

    def delta(name):
        b, a = family(before, name), family(after, name)
        return {k: int(a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b) if a.get(k, 0) != b.get(k, 0)}

    recs = [json.loads(l) for l in open(input_path + ".classify", encoding="utf-8")]
    want_signals = collections.Counter()
    for r in recs:
        for s in r.get("signals", []):
            for region in s["regions"] or ["unlocated"]:
                want_signals[(("region", region), ("type", s["type"]))] += 1
    # Rules behind each signal: the ones --explain shows FIRED for the article (a rule belongs
    # to one type, so the distinct fired rules of an article are its signals' rules).
    want_rules = collections.Counter()
    fired = None
    for line in open(input_path + ".explain", encoding="utf-8"):
        if line.startswith("== "):
            if fired:
                want_rules.update(fired)
            fired = set()
        elif fired is not None and (m := re.match(r"^\s+FIRED\s+(\S+) \(", line)):
            fired.add(m.group(1))
    if fired:
        want_rules.update(fired)
    want_rules = {(("rule", k),): v for k, v in want_rules.items()}
    got_rules = delta("brinkwatch_detect_rule_hits_total")
    got_signals = delta("brinkwatch_detect_signals_total")
    ok = got_rules == want_rules and got_signals == dict(want_signals) and want_rules and want_signals
    name = input_path.rsplit("/", 1)[-1]
    print(f"{name}: rule hits for {len(got_rules)} rules ({sum(got_rules.values())}), "
          f"signal records in {len(got_signals)} (region, type) ({sum(got_signals.values())})")
    if not ok:
        print(f"  rule hits: expected {want_rules}\n  got {got_rules}")
        print(f"  signals: expected {dict(want_signals)}\n  got {got_signals}")
    return ok


def readback(scrape_path, signals_path, alerts_path):
    m = load(scrape_path)
    want_signals = collections.Counter()
    for line in open(signals_path, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            want_signals[(("region", r["region"]), ("type", r["type"]))] += 1
    want_alerts = collections.Counter({(("level", l),): 0 for l in ("none", "watch", "warning", "critical")})
    for line in open(alerts_path, encoding="utf-8"):
        if line.strip():
            want_alerts[(("level", json.loads(line)["level"]),)] += 1
    got_signals = {k: int(v) for k, v in family(m, "brinkwatch_detect_signals_total").items()}
    got_alerts = {k: int(v) for k, v in family(m, "brinkwatch_aggregate_alerts_total").items()}
    ok = got_signals == dict(want_signals) and got_alerts == dict(want_alerts) and sum(want_alerts.values()) > 0
    print(f"read back: {sum(want_signals.values())} signal records in {len(want_signals)} (region, type); "
          f"alerts by level {dict((k[0][1], v) for k, v in want_alerts.items())}")
    if not ok:
        print(f"signals: read back {dict(want_signals)}\n  /metrics {got_signals}")
        print(f"alerts: read back {dict(want_alerts)}\n  /metrics {got_alerts}")
    return ok


def histograms(scrape_path):
    m = load(scrape_path)
    ok = True
    for stage in ("detect", "aggregate"):
        name = f"brinkwatch_{stage}_processing_seconds"
        buckets = sorted(((float(dict(k)["le"]), v) for k, v in family(m, name + "_bucket").items()))
        completed = m.get((f"brinkwatch_{stage}_completed_total", frozenset()))
        count = m.get((name + "_count", frozenset()))
        total = m.get((name + "_sum", frozenset()))
        cumulative = all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
        good = (len(buckets) == 14 and buckets[-1][0] == float("inf") and cumulative and
                buckets[-1][1] == count == completed and completed > 0 and total > 0)
        print(f"{name}: count {count}, sum {total}, completed {completed}")
        if not good:
            print(f"  buckets {buckets}")
        ok &= good
    return ok


def lag(scrape_path, stage, topic, partitions):
    m = load(scrape_path)
    got = {}
    for k, v in family(m, "brinkwatch_consumer_lag").items():
        d = dict(k)
        if d["stage"] == stage:
            if d["topic"] != topic:
                print(f"lag of {stage} for another topic: {d}")
                return False
            got[int(d["partition"])] = v
    want = {int(p): 0 for p in partitions}
    print(f"{stage} lag on {topic}: {got}")
    if got != want:
        print(f"{stage} lag: {got}, want {want}")
    return got == want and bool(want)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "format":
        ok = fmt_format(*args)
    elif cmd == "detect-delta":
        ok = detect_delta(*args)
    elif cmd == "readback":
        ok = readback(*args)
    elif cmd == "histograms":
        ok = histograms(*args)
    elif cmd == "lag":
        ok = lag(args[0], args[1], args[2], args[3:])
    else:
        raise SystemExit(f"unknown command {cmd}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
