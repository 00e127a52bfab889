#!/usr/bin/env bash
# Hot reload under load (`brinkwatch run --role all` on a copy of the config folder):
#  1. a new rules file written while articles stream through is picked up by the file watch: the
#     new rule fires on probe articles sent after the reload and not on those sent before, and
#     every article of the stream is accounted for exactly once (nothing lost or processed twice);
#  2. SIGHUP with nothing changed reloads nothing;
#  3. a broken rules file is rejected with file:line:col in the log and in a brinkwatch.event/1
#     record on the alerts topic, and the running rules keep working (the new rule still fires);
#  4. restoring the good file changes nothing; an alert policy change (aggregate.evidence) is
#     applied to the aggregate stage; a change to topics.signals is refused, naming the key;
# then SIGTERM: exit 0. /metrics counts each reload result and names the active ruleset.
source "$(dirname "$0")/lib.sh"

cp -r "$SRC/config" "$TMP/conf"
CONFIG="$TMP/conf/brinkwatch.yaml"
RULE="$TMP/conf/rules/en/zz_reload.yaml"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"

# metric NAME_WITH_LABELS: its value from /metrics (empty when absent).
metric() {
  python3 - "$URL/metrics" "$1" <<'PY'
import sys, urllib.request
try:
    text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
except OSError:
    sys.exit(0)
for line in text.splitlines():
    k, _, v = line.rpartition(" ")
    if k == sys.argv[2]:
        print(v)
PY
}
metric_is() { [[ $(metric "$1") == "$2" ]]; }
metric_policy() {
  python3 - "$URL/metrics" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
m = re.search(r'brinkwatch_policy_info\{version="([^"]+)"\} 1', text)
print(m.group(1) if m else "")
PY
}
ruleset_now() {
  python3 - "$URL/metrics" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
m = re.search(r'brinkwatch_ruleset_info\{version="([^"]+)"\} 1', text)
print(m.group(1) if m else "")
PY
}

# probe FILE TAG N: N articles only the test rule (the invented verb "zorbified") can fire on.
probe() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
out, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(out, "w") as f:
    for i in range(n):
        text = ("Chad's army said on Tuesday that its armoured units were zorbified along the frontier with "
                f"Sudan, according to officials in N'Djamena (report {tag} {i}).")
        article = {"id": f"{tag}-{i}", "source": "example.test", "url": f"https://example.test/{tag}/{i}",
                   "published_at": "2026-11-28T10:00:00Z", "lang": "en", "title": "Chad moves units", "text": text}
        f.write(json.dumps(article) + "\n")
PY
}

# probes_signalled PREFIX N: N distinct articles PREFIX-* have signal records.
probes_signalled() {
  read_topic brinkwatch.signals '%s\n' | python3 -c '
import json, sys
ids = {json.loads(l)["article_id"] for l in sys.stdin if l.strip()}
sys.exit(0 if len([i for i in ids if i.startswith(sys.argv[1] + "-")]) == int(sys.argv[2]) else 1)' "$1" "$2"
}

write_rule() {
  cat >"$RULE.tmp" <<'EOF'
version: 1
lang: en
rules:
  - id: en.test.zorbify
    revision: 1
    type: military_deployment
    score: 0.8
    description: an invented verb, for the reload test
    any: ["zorbified"]
EOF
  mv "$RULE.tmp" "$RULE"  # atomically, as a deployment would
}

# Inputs: a stream of sample articles (some malformed) and probes before and after the reload.
make_input "$TMP/stream.jsonl" 2000 5 stream
probe "$TMP/probe_before.jsonl" before 5
probe "$TMP/probe_after.jsonl" after 5
probe "$TMP/probe_broken.jsonl" broken 5
classify_expected "$TMP/stream.jsonl"
classify_expected "$TMP/probe_before.jsonl"
grep -q '"signals":\[\]' "$TMP/probe_before.jsonl.classify" || fail "the probe fires without the test rule"

start_broker
start_daemon d --role all --set http.enabled=true --set "http.listen=127.0.0.1:$PORT" --set reload.interval=300ms
wait_for "the daemon's /metrics" 60 metric_is 'brinkwatch_reload_total{result="applied"}' 0
old=$(ruleset_now)
[[ -n "$old" ]] || fail "no ruleset_info before the reload"

# 1. The stream flows while the rule file appears; the probes go before and after.
produce "$TMP/probe_before.jsonl"
wait_for "the first probes" 60 metric_is brinkwatch_detect_completed_total 5
head -n 1000 "$TMP/stream.jsonl" >"$TMP/stream1"
tail -n +1001 "$TMP/stream.jsonl" >"$TMP/stream2"
produce "$TMP/stream1"
write_rule
produce "$TMP/stream2" &
producer=$!
wait_for "the file watch to apply the new rule" 60 metric_is 'brinkwatch_reload_total{result="applied"}' 1
wait "$producer"
new=$(ruleset_now)
[[ -n "$new" && "$new" != "$old" ]] || fail "ruleset_info did not change ($old -> $new)"
grep -q "reload: applied (file changed: .*zz_reload.yaml)" "$TMP/d.log" || fail "no log line naming the changed file"
produce "$TMP/probe_after.jsonl"

# Expected: the stream and the early probes as the old rules see them, the late probes as the
# new ones do.
"$BIN" classify -c "$CONFIG" "$TMP/probe_after.jsonl" >"$TMP/probe_after.jsonl.classify" 2>/dev/null
grep -q 'en.test.zorbify' "$TMP/probe_after.jsonl.classify" || fail "the new rule does not fire offline"
cat "$TMP/stream.jsonl" "$TMP/probe_before.jsonl" "$TMP/probe_after.jsonl" >"$TMP/all1.jsonl"
cat "$TMP/stream.jsonl.classify" "$TMP/probe_before.jsonl.classify" "$TMP/probe_after.jsonl.classify" >"$TMP/all1.jsonl.classify"
wait_accounted "every article before, during and after the reload" 120 "$TMP/all1.jsonl"
account "$TMP/all1.jsonl" || fail "articles lost, unexpected or processed twice across the reload"
read_topic brinkwatch.signals '%s\n' >"$TMP/signals1"
python3 - "$TMP/signals1" "$old" "$new" <<'PY' || fail "probe records carry the wrong ruleset"
import json, sys
old, new = sys.argv[2], sys.argv[3]
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
before = [r for r in recs if r["article_id"].startswith("before-")]
after = [r for r in recs if r["article_id"].startswith("after-")]
assert not before, f"{len(before)} records for probes sent before the reload"
assert after and all(r["ruleset"] == new and r["type"] == "military_deployment" for r in after), after[:1]
assert {r["article_id"] for r in after} == {f"after-{i}" for i in range(5)}
# Each article was detected by exactly one ruleset.
by_article = {}
for r in recs:
    by_article.setdefault(r["article_id"], set()).add(r["ruleset"])
mixed = [a for a, v in by_article.items() if len(v) > 1]
assert not mixed, f"articles with records from two rulesets: {mixed[:3]}"
assert {v for s in by_article.values() for v in s} <= {old, new}
PY

# 2. SIGHUP with nothing changed.
kill -HUP "$PID_d"
wait_for "SIGHUP to reload nothing" 60 metric_is 'brinkwatch_reload_total{result="unchanged"}' 1
metric_is 'brinkwatch_reload_total{result="applied"}' 1 || fail "an unchanged reload counted as applied"

# 3. A broken rules file: rejected, old rules keep firing.
cat >"$RULE.tmp" <<'EOF'
version: 1
lang: en
rules:
  - id: en.test.zorbify
    revision: 1
    type: military_deployment
    score: 0.8
    any: ["@no_such_list"]
EOF
mv "$RULE.tmp" "$RULE"
wait_for "the broken rules file to be rejected" 60 metric_is 'brinkwatch_reload_total{result="rejected"}' 1
grep -q "zz_reload.yaml:[0-9]*:[0-9]*:" "$TMP/d.log" || fail "the rejection does not name file:line:col"
[[ $(ruleset_now) == "$new" ]] || fail "a rejected reload changed the active ruleset"
produce "$TMP/probe_broken.jsonl"
POLL_INTERVAL=0.5 wait_for "the running rules to fire on later probes" 60 probes_signalled broken 5

# The good file back: the same rules as running, nothing to swap.
write_rule
wait_for "the restored rules file to change nothing" 60 metric_is 'brinkwatch_reload_total{result="unchanged"}' 2

# An alert policy change: applied to the aggregate stage.
policy_before=$(metric_policy)
sed -i 's/^  evidence: 5$/  evidence: 4/' "$CONFIG"
grep -q "^  evidence: 4$" "$CONFIG" || fail "the test could not edit aggregate.evidence"
wait_for "the policy change to apply" 60 metric_is 'brinkwatch_reload_total{result="applied"}' 2
policy_after=$(metric_policy)
[[ -n "$policy_after" && "$policy_after" != "$policy_before" ]] || fail "policy_info did not change"
wait_for "the aggregate stage to take the new policies" 30 grep -q "aggregate: alert policies $policy_after in effect" "$TMP/d.log"

# 4. A change only a restart may make: refused by key.
sed -i 's/^  signals: brinkwatch.signals$/  signals: brinkwatch.signals-v2/' "$CONFIG"
grep -q "signals: brinkwatch.signals-v2" "$CONFIG" || fail "the test could not edit topics.signals"
wait_for "the topic change to be refused" 60 metric_is 'brinkwatch_reload_total{result="rejected"}' 2
metric_is 'brinkwatch_reload_total{result="applied"}' 2 || fail "a refused reload counted as applied"
grep -q "topics.signals changed" "$TMP/d.log" || fail "the refusal does not name topics.signals"

# The events on the alerts topic: one per applied or rejected reload, valid brinkwatch.event/1.
read_topic brinkwatch.alerts '%k\t%s\n' >"$TMP/alerts"
python3 - "$TMP/alerts" "$SRC/docs/schemas/event.schema.json" "$old" "$new" <<'PY' || fail "reload events on the alerts topic are wrong"
import json, sys, jsonschema
schema = json.load(open(sys.argv[2]))
old, new = sys.argv[3], sys.argv[4]
events = []
for line in open(sys.argv[1]):
    key, _, value = line.rstrip("\n").partition("\t")
    if key == "~brinkwatch":
        e = json.loads(value)
        jsonschema.validate(e, schema)
        events.append(e)
assert [e["result"] for e in events] == ["applied", "rejected", "applied", "rejected"], [e["result"] for e in events]
assert events[0]["previous_ruleset"] == old and events[0]["ruleset"] == new and events[0]["reasons"] == []
assert events[0]["trigger"].startswith("file changed: ") and events[0]["trigger"].endswith("zz_reload.yaml")
assert any("zz_reload.yaml:" in r for r in events[1]["reasons"]), events[1]["reasons"]
assert events[1]["ruleset"] == new, "a rejected reload names the ruleset still running"
assert events[2]["ruleset"] == new and events[2]["previous_policy_version"] != events[2]["policy_version"]
assert any("topics.signals" in r for r in events[3]["reasons"]), events[3]["reasons"]
PY

kill -TERM "$PID_d"
wait "$PID_d"
rc=$?
[[ $rc == 0 ]] || { fail "exit status $rc after SIGTERM"; tail -n 30 "$TMP/d.log"; }
finish
