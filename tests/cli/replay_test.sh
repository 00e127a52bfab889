#!/usr/bin/env bash
# brinkwatch replay over the bundled samples: the alert records follow docs/schemas/alert.schema.json,
# the Venezuela arc rises to critical and calms down, one syndicated wire story and one
# publisher's updates raise nothing, input order does not matter, and --until lets regions decay.
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$SRC"
SAMPLES=config/samples/articles.jsonl

"$BIN" replay "$SAMPLES" >"$TMP/alerts.jsonl" 2>"$TMP/err" || { cat "$TMP/err"; echo "FAIL: replay exited $?"; exit 1; }
# Reversed input: processed in event-time order all the same.
tac "$SAMPLES" >"$TMP/reversed.jsonl"
"$BIN" replay "$TMP/reversed.jsonl" >"$TMP/alerts-reversed.jsonl" 2>/dev/null
"$BIN" replay --until 2026-06-01T00:00:00Z "$SAMPLES" >"$TMP/alerts-until.jsonl" 2>/dev/null

python3 - "$TMP" "$SRC/docs/schemas/alert.schema.json" <<'PY'
import json, sys, jsonschema
tmp, schema_path = sys.argv[1], sys.argv[2]
schema = json.load(open(schema_path))
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)

alerts = [json.loads(l) for l in open(f"{tmp}/alerts.jsonl")]
check(len(alerts) > 0, "replay produced no alerts")
for a in alerts:
    try:
        jsonschema.validate(a, schema)
    except jsonschema.ValidationError as e:
        failures.append(f"alert {a.get('id')} breaks the schema: {e.message}")
ids = [a["id"] for a in alerts]
check(len(ids) == len(set(ids)), "alert ids repeat within one replay")

ve = [(a["previous_level"], a["level"]) for a in alerts if a["region"] == "country:VE"]
levels = [l for _, l in ve]
check("critical" in levels, f"country:VE never reached critical: {ve}")
if "critical" in levels:
    peak = levels.index("critical")
    check(levels[:peak + 1] == ["watch", "warning", "critical"], f"country:VE did not rise watch, warning, critical: {ve}")
    check(levels[-1] == "none", f"country:VE did not calm down to none: {ve}")
    down = [a for a in alerts if a["region"] == "country:VE" and a["level"] != "critical"][2:]
    check(any(a["reason"] == "de-escalation" for a in down), "no VE change was put down to de-escalation")
crit = next((a for a in alerts if a["region"] == "country:VE" and a["level"] == "critical"), None)
if crit:
    check(crit["evidence"] and all(e["url"].startswith("https://") and e["sentence"] for e in crit["evidence"]),
          "the critical alert lacks evidence sentences with URLs")
    mil = next((d for d in crit["drivers"] if d["type"] == "military_deployment"), None)
    check(mil is not None and mil["sources"] >= 3, f"military_deployment drivers too thin: {mil}")

# One wire story reprinted by six publishers (sample-013..018, KR) and one publisher's updates
# (sample-019..021, BF) are one story each: neither alone raises an alert.
for region in ("country:KR", "country:KP", "country:BF"):
    check(not any(a["region"] == region for a in alerts), f"{region} alerted on a single story")

rev = [json.loads(l) for l in open(f"{tmp}/alerts-reversed.jsonl")]
check(rev == alerts, "reversed input gave different alerts")

until = [json.loads(l) for l in open(f"{tmp}/alerts-until.jsonl")]
last = {}
for a in until:
    last[a["region"]] = a["level"]
check(until[:len(alerts)] == alerts, "--until changed the alerts before the end of the input")
check(all(l == "none" for l in last.values()), f"--until two months on left regions up: {last}")

for f in failures:
    print("FAIL:", f)
print(f"{len(alerts)} alerts; VE: {' -> '.join(levels)}")
sys.exit(1 if failures else 0)
PY
