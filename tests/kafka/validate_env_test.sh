#!/usr/bin/env bash
# `brinkwatch validate --env` against the embedded broker: the three tiers (config, components,
# environment). Every topic present → exit 0 with each topic's partition count, in text and
# --json; a missing topic → exit 1 naming it (and the check creates nothing); an unreachable
# broker (a closed port) → exit 1 with librdkafka's reason, within the metadata timeout; signals
# and changelog topics with different partition counts → exit 1; without bootstrap.servers →
# exit 1. Plain `validate` stays offline.
source "$(dirname "$0")/lib.sh"

# validate OUT ARGS...: runs validate --env with a hang guard; stdout in OUT.out, stderr in
# OUT.err; prints the exit status.
validate() {
  local out=$1
  shift
  timeout -s KILL 60 "$BIN" validate -c "$CONFIG" --env "$@" >"$TMP/$out.out" 2>"$TMP/$out.err"
  echo $?
}

# The configured topics with 2 partitions; a topic the mock cluster creates on first use gets
# its own default count (4), which makes a changelog topic that does not match.
start_broker --set embedded.partitions=2

rc=$(validate ok --set "kafka.bootstrap.servers=$BOOT")
[[ $rc -eq 0 ]] || { fail "all topics present: exit $rc"; cat "$TMP/ok.out" "$TMP/ok.err"; }
for t in brinkwatch.articles brinkwatch.signals brinkwatch.dead-letter brinkwatch.alerts brinkwatch.aggregate-changelog; do
  grep -Eq "^  [a-z_]+ +$t +2 partitions$" "$TMP/ok.out" || fail "no partition count for $t"
done
grep -q "^components: ok — rules compile, gazetteer loads; ruleset " "$TMP/ok.out" || fail "components tier not reported"
grep -q "^environment: ok$" "$TMP/ok.out" || fail "environment not ok"

rc=$(validate json --json --set "kafka.bootstrap.servers=$BOOT")
python3 - "$TMP/json.out" <<'PY' || fail "validate --env --json: unexpected report (exit $rc)"
import json, sys
r = json.loads(open(sys.argv[1]).read())
tiers = {t["tier"]: t for t in r["tiers"]}
env = tiers["environment"]
assert r["ok"] and tiers["config"]["ok"] and tiers["components"]["ok"] and env["ok"], r
assert env["reached"] and len(env["brokers"]) == 1, env
assert {t["role"]: t["partitions"] for t in env["topics"]} == {
    "articles": 2, "signals": 2, "dead_letter": 2, "alerts": 2, "changelog": 2}, env
PY
[[ $rc -eq 0 ]] || fail "validate --env --json: exit $rc"

# A missing topic: named, exit 1, and not created by the check.
rc=$(validate missing --set "kafka.bootstrap.servers=$BOOT" --set topics.alerts=brinkwatch.no-such-topic)
[[ $rc -eq 1 ]] || fail "missing topic: exit $rc"
grep -q 'error\[missing-topic\]: topics.alerts: topic "brinkwatch.no-such-topic" does not exist' "$TMP/missing.err" ||
  { fail "missing topic not named"; cat "$TMP/missing.err"; }
grep -q "^environment: failed$" "$TMP/missing.out" || fail "missing topic: environment not reported failed"
"$KCAT" -L -b "$BOOT" >"$TMP/list.out" 2>&1
grep -q 'topic "brinkwatch.no-such-topic"' "$TMP/list.out" && fail "validate --env created the missing topic"
rc=$(validate missing-json --json --set "kafka.bootstrap.servers=$BOOT" --set topics.articles=brinkwatch.no-such-topic)
[[ $rc -eq 1 ]] || fail "missing topic (--json): exit $rc"
python3 - "$TMP/missing-json.err" "$TMP/missing-json.out" <<'PY' || fail "missing topic (--json): unexpected output"
import json, sys
diags = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [d["code"] for d in diags] == ["missing-topic"], diags
assert "brinkwatch.no-such-topic" in diags[0]["message"], diags
r = json.loads(open(sys.argv[2]).read())
assert not r["ok"], r
env = [t for t in r["tiers"] if t["tier"] == "environment"][0]
assert [t for t in env["topics"] if t["role"] == "articles"][0]["exists"] is False, env
PY

# Signals and changelog partition counts differ: the mock cluster creates a topic it is asked to
# produce to, with its default partition count.
echo x | "$KCAT" -P -b "$BOOT" -t brinkwatch.other-changelog 2>/dev/null
"$KCAT" -L -b "$BOOT" -t brinkwatch.other-changelog >"$TMP/other.out" 2>&1
if grep -q 'topic "brinkwatch.other-changelog" with 2 partitions' "$TMP/other.out"; then
  fail "the mock cluster created brinkwatch.other-changelog with 2 partitions: no mismatch to test"
else
  rc=$(validate mismatch --set "kafka.bootstrap.servers=$BOOT" --set topics.changelog=brinkwatch.other-changelog)
  [[ $rc -eq 1 ]] || fail "partition mismatch: exit $rc"
  grep -q 'error\[partition-mismatch\]: topics.changelog: "brinkwatch.other-changelog" has [0-9]\+ partitions and topics.signals "brinkwatch.signals" has 2' \
    "$TMP/mismatch.err" || { fail "partition mismatch not reported"; cat "$TMP/mismatch.err" "$TMP/other.out"; }
fi

# Nobody listens on the port: a clear reason, exit 1, and no hang (the hang guard kills at 60 s).
PORT=$(free_port)
rc=$(validate down --set "kafka.bootstrap.servers=127.0.0.1:$PORT")
[[ $rc -eq 1 ]] || fail "unreachable broker: exit $rc"
grep -q "error\[kafka-unreachable\]: kafka.bootstrap.servers 127.0.0.1:$PORT: no metadata from the cluster within 10000 ms" \
  "$TMP/down.err" || { fail "unreachable broker: unclear message"; cat "$TMP/down.err"; }
grep -qi "refused" "$TMP/down.err" || fail "unreachable broker: librdkafka's reason (connection refused) not given"

# No bootstrap.servers: nothing to check against.
rc=$(validate noboot)
[[ $rc -eq 1 ]] && grep -q "error\[missing-key\]: kafka.bootstrap.servers is needed" "$TMP/noboot.err" ||
  fail "--env without bootstrap.servers: exit $rc"

# Plain validate is unchanged: offline, one line.
"$BIN" validate -c "$CONFIG" --set "kafka.bootstrap.servers=127.0.0.1:$PORT" >"$TMP/plain.out" 2>&1 ||
  fail "plain validate failed"
[[ $(wc -l <"$TMP/plain.out") -eq 1 ]] && grep -q ": ok — ruleset " "$TMP/plain.out" ||
  { fail "plain validate output changed"; cat "$TMP/plain.out"; }
finish
