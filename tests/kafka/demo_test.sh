#!/usr/bin/env bash
# `brinkwatch demo` end to end (embedded broker, both stages, the bundled samples on a compressed
# clock): it exits 0, every article and signal record is accounted for, and the alerts it shows
# are exactly those `brinkwatch replay` computes offline from the same articles — live processing
# with wall-clock ticks gives the same alerts at the same event times as a replay.
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$SRC"
timeout 200 "$BIN" demo -c config/brinkwatch.yaml --speed 24 >"$TMP/demo.out" 2>"$TMP/demo.err"
rc=$?
if ((rc != 0)); then
  echo "FAIL: demo exited $rc"; tail -20 "$TMP/demo.out" "$TMP/demo.err"; exit 1
fi
"$BIN" replay -c config/brinkwatch.yaml config/samples/articles.jsonl >"$TMP/replay.jsonl" 2>/dev/null || { echo "FAIL: replay"; exit 1; }
python3 - "$TMP" <<'PY'
import json, re, sys
tmp = sys.argv[1]
out = open(f"{tmp}/demo.out", encoding="utf-8").read()
failures = []
m = re.search(r"all (\d+) articles processed: detect received (\d+), completed (\d+), signals sent (\d+)", out)
a = re.search(r"aggregate received (\d+), completed (\d+), alerts sent (\d+)", out)
if not m or not a:
    failures.append("no summary line")
else:
    n, received, completed, sent = map(int, m.groups())
    if not (n == received == completed):
        failures.append(f"articles: {n} fed, {received} received, {completed} completed")
    if int(a.group(1)) != sent or int(a.group(2)) != sent:
        failures.append(f"signal records: {sent} sent by detect, aggregate received {a.group(1)}, completed {a.group(2)}")
shown = re.findall(r"^(\S+ \S+)  .{0,3}\S ALERT (\S+)\s+(\w+) -> (\w+)", out, flags=re.M)
shown = [(t, r, p, l) for t, r, p, l in shown]
def short(region):
    return region if len(region) <= 24 else region[:21] + "..."
replayed = [(a["changed_at"][:10] + " " + a["changed_at"][11:16], short(a["region"]), a["previous_level"], a["level"])
            for a in map(json.loads, open(f"{tmp}/replay.jsonl"))]
if not replayed:
    failures.append("replay produced no alerts")
if sorted(shown) != sorted(replayed):
    failures.append(f"demo alerts differ from replay:\n  only in demo: {sorted(set(shown) - set(replayed))}\n"
                    f"  only in replay: {sorted(set(replayed) - set(shown))}")
if not any(r == "country:VE" and l == "critical" for _, r, _, l in shown):
    failures.append("the demo never showed country:VE at critical")
for f in failures:
    print("FAIL:", f)
print(f"demo: {len(shown)} alerts shown, replay: {len(replayed)}")
sys.exit(1 if failures else 0)
PY
