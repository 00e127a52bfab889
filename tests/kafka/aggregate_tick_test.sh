#!/usr/bin/env bash
# The wall-clock tick, in a default `brinkwatch run` (both stages in one process, --role all): a
# region alerted by a burst of signals dated five days ago decays to `none` with no further
# input, once its partition is caught up and idle (aggregate.idle_ms). The tick moves stream
# time to now and the region is evaluated at every point on the way, so the decay alerts carry
# event times between the burst and now, as a replay would give them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"

python3 "$AGG_CHECK" gen-recent "$TMP/recent.tsv" --days-ago 5 >/dev/null || fail "cannot generate the burst"
start_broker
# The burst is in the topic before the stage starts, so it is read before the first tick (a
# tick first would make it late, as it would be in live operation).
feed "$TMP/recent.tsv"
start_aggregator a1 --role all
decayed() { read_topic brinkwatch.alerts '%s\n' | grep -q '"level":"none"'; }
wait_for "the region to decay to none" 40 decayed
kill -TERM "$PID_a1"
wait "$PID_a1" || fail "a1 did not exit 0"
grep -qE 'aggregate: received.*ticks [1-9]' "$TMP/a1.log" || fail "no tick in the counters"
grep -q 'detect: consuming' "$TMP/a1.log" || fail "--role all did not start the detect stage"

read_alerts "$TMP/alerts.out"
python3 - "$TMP/alerts.out" "$TMP/recent.tsv" <<'PY' || fail "the tick's alerts are wrong"
import json, sys
from datetime import datetime, timezone
alerts = [json.loads(l) for l in open(sys.argv[1])]
last_signal = max(json.loads(l.split("\t", 1)[1])["published_at"] for l in open(sys.argv[2]))
now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
chain = [(a["previous_level"], a["level"], a["reason"], a["changed_at"]) for a in sorted(alerts, key=lambda a: a["changed_at"])]
print("country:CU: " + ", ".join(f"{p}->{l} ({r}, {t})" for p, l, r, t in chain))
rises = [c for c in chain if c[2] == "rise"]
falls = [c for c in chain if c[2] == "decay"]
ok = bool(rises) and bool(falls) and falls[-1][1] == "none"
ok = ok and all(last_signal < c[3] < now for c in falls)
sys.exit(0 if ok else 1)
PY
finish
