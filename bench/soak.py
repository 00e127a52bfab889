#!/usr/bin/env python3
"""Helpers of bench/soak.sh (the soak run; thresholds and usage are in that script's header).

  soak.py feed RATE COUNT PRODUCED_FILE   stdin: bench_corpus JSON lines; stdout: KEY<TAB>JSON
      lines for `kcat -P -K '\\t'`, at RATE lines per second (line i is due at start + i/RATE),
      COUNT lines in all. Each article's published_at becomes the wall-clock time it is fed, so
      the aggregate stage runs on live time (stream time, windows, wall-clock ticks) as in
      production; ids ("bench-N") are unique within the run. Writes the count fed so far to
      PRODUCED_FILE every second and at the end.
  soak.py sample CSV INTERVAL STOP_FILE PRODUCED_FILE FEED_DONE_FILE name:pid:port...
      every INTERVAL seconds until STOP_FILE exists: VmRSS of each process (/proc/PID/status),
      and for those with a port, their /metrics (consumer lag summed and max over partitions,
      counters), one CSV row per sample (and one last row when STOP_FILE appears).
  soak.py report CSV WARMUP RATE RSS_MAX_GROWTH_MB LAG_MAX_S [CHANGELOG_TSV]
      the summary and the verdict (exit 0 PASS, 1 FAIL); with the changelog read back (KEY<TAB>JSON
      lines), the size of each region's latest state record and what the largest is made of.
"""
import csv
import datetime
import math
import os
import sys
import time
import urllib.request

PUBLISHED = '"published_at":"2026-03-02T08:15:00Z"'


def feed(rate, count, produced_file):
    out = sys.stdout
    start = time.monotonic()
    last_note = start
    fed = 0

    def note():
        tmp = produced_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{fed}\n")
        os.replace(tmp, produced_file)

    for line in sys.stdin:
        if fed >= count:
            break
        line = line.rstrip("\n")
        if PUBLISHED not in line:
            sys.exit(f"soak.py feed: line {fed + 1} has no {PUBLISHED} (not bench_corpus output?)")
        due = start + fed / rate
        now = time.monotonic()
        if due > now:
            out.flush()
            time.sleep(due - now)
        ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        line = line.replace(PUBLISHED, '"published_at":"' + ts + '"', 1)
        out.write(f"{fed}\t{line}\n")
        fed += 1
        if time.monotonic() - last_note >= 1:
            out.flush()
            note()
            last_note = time.monotonic()
    out.flush()
    note()
    if fed < count:
        sys.exit(f"soak.py feed: the corpus ran out after {fed} of {count} articles")


METRICS = {
    "detect": ["received", "completed", "sent", "quiet"],
    "aggregate": ["received", "completed", "alerts_sent", "changelog_sent"],
}


def scrape(port):
    """/metrics → {name: value} with lag summed / maxed and discarded/errors summed."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    m = {"lag_sum": 0.0, "lag_max": 0.0, "lag_parts": 0, "discarded": 0.0, "errors": 0.0}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        v = float(value)
        if name == "brinkwatch_consumer_lag":
            m["lag_sum"] += v
            m["lag_max"] = max(m["lag_max"], v)
            m["lag_parts"] += 1
        elif name.endswith("_discarded_total"):
            m["discarded"] += v
        elif name.endswith("_errors_total"):
            m["errors"] += v
        elif name in ("brinkwatch_aggregate_regions",):
            m["regions"] = v
        elif name.startswith("brinkwatch_") and name.endswith("_total"):
            m[name[len("brinkwatch_"):-len("_total")]] = v
    return m


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return ""


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def sample(csv_path, interval, stop_file, produced_file, feed_done_file, procs):
    procs = [p.split(":") for p in procs]
    cols = ["t", "phase", "load1", "produced"]
    for name, _, port in procs:
        cols.append(f"{name}_rss_kb")
        if port:
            cols += [f"{name}_lag_sum", f"{name}_lag_max", f"{name}_lag_parts", f"{name}_discarded",
                     f"{name}_errors"]
            cols += [f"{name}_{c}" for c in METRICS[name]]
            if name == "aggregate":
                cols.append("aggregate_regions")
    start = time.monotonic()
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        while True:
            last = os.path.exists(stop_file)
            row = {"t": f"{time.monotonic() - start:.1f}",
                   "phase": "drain" if os.path.exists(feed_done_file) else "feed",
                   "load1": open("/proc/loadavg").read().split()[0],
                   "produced": read_int(produced_file)}
            for name, pid, port in procs:
                row[f"{name}_rss_kb"] = rss_kb(pid)
                if port:
                    try:
                        m = scrape(port)
                    except Exception as e:  # noqa: BLE001 (a stage still starting or gone)
                        print(f"soak.py sample: {name} /metrics: {e}", file=sys.stderr)
                        continue
                    for k in ("lag_sum", "lag_max", "lag_parts", "discarded", "errors"):
                        row[f"{name}_{k}"] = int(m[k])
                    for c in METRICS[name]:
                        row[f"{name}_{c}"] = int(m.get(f"{name}_{c}", 0))
                    if name == "aggregate":
                        row["aggregate_regions"] = int(m.get("regions", 0))
            w.writerow(row)
            f.flush()
            if last:
                return
            # sleep to the next multiple of INTERVAL, waking early for the stop file
            deadline = start + interval * (math.floor((time.monotonic() - start) / interval) + 1)
            while time.monotonic() < deadline and not os.path.exists(stop_file):
                time.sleep(0.2)


def lsq_slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


def pct(vals, q):
    s = sorted(vals)
    return s[min(len(s) - 1, math.ceil(q * len(s)) - 1)] if s else 0


def num(row, key):
    v = row.get(key, "")
    return float(v) if v not in ("", None) else None


def changelog(path):
    """The aggregate stage's state records read back from the changelog (KEY<TAB>JSON lines):
    each region's latest state size, and what the largest one is made of."""
    import json
    latest = {}
    for line in open(path, errors="replace"):
        key, _, value = line.rstrip("\n").partition("\t")
        if key and not key.startswith("~"):
            latest[key] = value
    if not latest:
        return
    sizes = sorted(((len(v.encode()), k) for k, v in latest.items()), reverse=True)
    total = sum(n for n, _ in sizes)
    print(f"changelog: {len(sizes)} regions; latest state record per region: largest {sizes[0][0]:,} bytes "
          f"({sizes[0][1]}), median {sizes[len(sizes) // 2][0]:,}, sum {total:,} "
          f"(the producer's message.max.bytes is 1,000,000 by default)")
    try:
        j = json.loads(latest[sizes[0][1]])
    except ValueError:
        return
    parts = {k: len(json.dumps(v, separators=(",", ":"))) for k, v in j.items()}
    stories = j.get("stories", [])
    n_articles = sum(len(e.get("articles", [])) for s in stories for e in s.get("entries", []))
    print(f"  {sizes[0][1]}: seen {len(j.get('seen', [])):,} records ({parts.get('seen', 0):,} bytes), "
          f"article_story {len(j.get('article_story', [])):,} ({parts.get('article_story', 0):,} bytes), "
          f"stories {len(stories)} holding {n_articles:,} article hashes ({parts.get('stories', 0):,} bytes), "
          f"the rest {sum(parts.values()) - parts.get('seen', 0) - parts.get('article_story', 0) - parts.get('stories', 0):,} bytes")


def report(csv_path, warmup, rate, rss_max_growth_mb, lag_max_s, changelog_path=None):
    rows = list(csv.DictReader(open(csv_path)))
    feed_rows = [r for r in rows if r["phase"] == "feed"]
    steady = [r for r in feed_rows if float(r["t"]) >= warmup]
    # the last value of each column (a stage that exited leaves its later cells empty)
    final = {}
    for r in rows:
        final.update({k: v for k, v in r.items() if v not in ("", None)})
    fails = []
    print(f"samples: {len(rows)} ({len(steady)} in the steady part, t >= {warmup:g} s while feeding)")
    if len(steady) < 3:
        print("FAIL: fewer than 3 samples in the steady part (DURATION too short for WARMUP?)")
        return 1
    t0, t1 = float(steady[0]["t"]), float(steady[-1]["t"])
    loads = [float(r["load1"]) for r in feed_rows]
    print(f"steady part: t = {t0:.0f} .. {t1:.0f} s; load average (1 min) while feeding: "
          f"mean {sum(loads) / len(loads):.2f}, max {max(loads):.2f}")

    produced = int(final["produced"])
    # input rates over the steady part, for the lag threshold in seconds of input
    d_sent = num(steady[-1], "detect_sent") - num(steady[0], "detect_sent")
    signal_rate = d_sent / (t1 - t0) if t1 > t0 else 0
    in_rate = {"detect": rate, "aggregate": signal_rate}
    print(f"input: {produced} articles fed at {rate:g}/s; signal records at {signal_rate:.0f}/s "
          f"in the steady part")

    print()
    print(f"{'stage':10} {'RSS start':>10} {'RSS end':>9} {'RSS max':>9} {'slope':>11} {'fitted growth':>14}"
          f" {'lag max':>9} {'lag p99':>9} {'lag max (s of input)':>21}")
    for stage in ("detect", "aggregate", "broker"):
        pts = [(float(r["t"]), num(r, f"{stage}_rss_kb")) for r in steady]
        pts = [(t, v / 1024) for t, v in pts if v is not None]
        if len(pts) < 3:
            fails.append(f"{stage}: fewer than 3 RSS samples in the steady part")
            continue
        if len(pts) < len(steady):
            print(f"({stage}: gone after t = {pts[-1][0]:.0f} s; its figures stop there)")
        slope = lsq_slope([t / 3600 for t, _ in pts], [v for _, v in pts])  # MB/h
        growth = slope * (pts[-1][0] - pts[0][0]) / 3600
        line = (f"{stage:10} {pts[0][1]:7.1f} MiB {pts[-1][1]:5.1f} MiB {max(v for _, v in pts):5.1f} MiB "
                f"{slope:+7.1f} MiB/h {growth:+10.1f} MiB")
        if stage != "broker":
            lags = [num(r, f"{stage}_lag_sum") for r in steady]
            lags = [v for v in lags if v is not None]
            lmax, lp99 = (max(lags), pct(lags, 0.99)) if lags else (float("nan"),) * 2
            lag_s = lmax / in_rate[stage] if in_rate[stage] else float("inf")
            line += f" {lmax:9.0f} {lp99:9.0f} {lag_s:21.1f}"
            if growth > rss_max_growth_mb:
                fails.append(f"{stage}: RSS grew {growth:.1f} MiB over the steady part (fitted; threshold "
                             f"{rss_max_growth_mb:g} MiB)")
            if not lags:
                fails.append(f"{stage}: no lag samples")
            elif lag_s > lag_max_s:
                fails.append(f"{stage}: lag reached {lmax:.0f} records = {lag_s:.1f} s of input "
                             f"(threshold {lag_max_s:g} s)")
        else:
            line += "   (the embedded broker: keeps up to ~5 MB per partition, so grows until full; not judged)"
        print(line)

    print()
    dc, ds, dq = (int(num(final, f"detect_{k}") or 0) for k in ("completed", "sent", "quiet"))
    ac, aal, acl = (int(num(final, f"aggregate_{k}") or 0) for k in ("completed", "alerts_sent", "changelog_sent"))
    ddisc, derr = int(num(final, "detect_discarded") or 0), int(num(final, "detect_errors") or 0)
    adisc, aerr = int(num(final, "aggregate_discarded") or 0), int(num(final, "aggregate_errors") or 0)
    print(f"accounting: articles fed {produced}; detect completed {dc} ({dq} without a signal, "
          f"{dc - dq} with), dead letters {ddisc}, delivery errors {derr}, signal records sent {ds}")
    print(f"            aggregate completed {ac} of those {ds} signal records, alerts sent {aal}, "
          f"changelog records {acl}, dead letters {adisc}, delivery errors {aerr}, "
          f"regions {final.get('aggregate_regions', '')}")
    if dc != produced:
        fails.append(f"detect completed {dc} articles, {produced} were fed")
    if ac != ds:
        fails.append(f"aggregate completed {ac} signal records, detect sent {ds}")
    if ddisc or derr or adisc or aerr:
        fails.append("dead letters or delivery errors")
    if aal == 0:
        fails.append("no alert at all: the input did not exercise the aggregate stage")
    if changelog_path and os.path.exists(changelog_path):
        changelog(changelog_path)
    print()
    print(f"thresholds: fitted RSS growth over the steady part <= {rss_max_growth_mb:g} MiB per stage; "
          f"lag (summed over partitions) <= {lag_max_s:g} s of the stage's input after warm-up; "
          f"every article and signal record accounted for; no dead letter, no delivery error")
    for f in fails:
        print(f"FAIL: {f}")
    print("verdict: " + ("FAIL" if fails else "PASS"))
    return 1 if fails else 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "feed":
        try:
            feed(float(args[0]), int(args[1]), args[2])
        except (BrokenPipeError, KeyboardInterrupt):  # kcat gone: soak.sh stopping or failing
            os._exit(1)
    elif cmd == "sample":
        try:
            sample(args[0], float(args[1]), args[2], args[3], args[4], args[5:])
        except KeyboardInterrupt:
            sys.exit(130)
    elif cmd == "report":
        sys.exit(report(args[0], float(args[1]), float(args[2]), float(args[3]), float(args[4]),
                        args[5] if len(args) > 5 else None))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
