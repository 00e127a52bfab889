#!/usr/bin/env bash
# The HTTP endpoint of `brinkwatch run --role all`: /healthz and /ready answer, and /metrics
# (Prometheus text format) moves exactly as the input dictates. Two batches of articles, some
# malformed; after each, the counters equal what `brinkwatch classify` says of the batch:
# articles received, signal records sent, articles without signals, dead letters by error code;
# the aggregate stage receives every signal record. Per rule, the signals it fired for (from
# classify --explain); per region and type, the signal records (from classify, and at the end
# from the signals topic read back); alerts per level equal the alert records read back; each
# processing histogram counts every completed offset; consumer lag is reported for every
# partition holding records, and is 0 once caught up (tests/kafka/metrics_check.py). A second
# daemon on the same port refuses to start; after SIGTERM the port is closed.
source "$(dirname "$0")/lib.sh"

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"

# get PATH: prints "STATUS BODY" (STATUS 0 when nothing answers).
get() {
  python3 - "$URL$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status, r.read().decode().strip())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip())
except OSError:
    print(0)
PY
}

# answers PATH EXPECTED: get PATH prints EXPECTED.
answers() { [[ $(get "$1") == "$2" ]]; }

# scrape OUT: /metrics into OUT, checked for format (every sample after its # HELP and # TYPE).
scrape() {
  python3 - "$URL/metrics" "$1" <<'PY' || fail "bad /metrics: see above"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    ctype, text = r.headers.get("Content-Type", ""), r.read().decode()
open(sys.argv[2], "w").write(text)
if not ctype.startswith("text/plain; version=0.0.4"):
    print(f"Content-Type {ctype!r}")
    sys.exit(1)
PY
  check format "$1" || { fail "/metrics is not in the exposition format"; cat "$1"; }
}

# check COMMAND ARGS: tests/kafka/metrics_check.py
check() { python3 "$SRC/tests/kafka/metrics_check.py" "$@"; }

# value FILE NAME [LABELS]: a sample's value (0 when absent).
value() {
  python3 - "$@" <<'PY'
import sys
name = sys.argv[2] + (sys.argv[3] if len(sys.argv) > 3 else "")
for line in open(sys.argv[1]):
    k, _, v = line.rpartition(" ")
    if k == name:
        print(int(float(v)))
        sys.exit(0)
print(0)
PY
}

# detect_done N: the detect stage received and completed N articles.
detect_done() {
  scrape "$TMP/m.now" >/dev/null 2>&1 || return 1
  [[ $(value "$TMP/m.now" brinkwatch_detect_completed_total) -ge $1 &&
     $(value "$TMP/m.now" brinkwatch_detect_received_total) -ge $1 ]]
}

# aggregate_caught_up: the aggregate stage received every signal record detect sent.
aggregate_caught_up() {
  scrape "$TMP/m.now" >/dev/null 2>&1 || return 1
  local sent
  sent=$(value "$TMP/m.now" brinkwatch_detect_sent_total)
  ((sent > 0)) && [[ $(value "$TMP/m.now" brinkwatch_aggregate_received_total) -eq $sent ]]
}

# check_delta BEFORE AFTER INPUT: the counters moved by what classify says of INPUT.
check_delta() {
  python3 - "$1" "$2" "$3" "$3.classify" <<'PY' || fail "counters did not move as $3 dictates"
import collections, re, sys
def load(path):
    m = {}
    for line in open(path):
        if not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            m[k] = float(v)
    return m
before, after = load(sys.argv[1]), load(sys.argv[2])
def delta(k):
    return int(after.get(k, 0) - before.get(k, 0))
n = sum(1 for l in open(sys.argv[3], "rb") if l.strip())
recs = [__import__("json").loads(l) for l in open(sys.argv[4], encoding="utf-8")]
dead = collections.Counter(r["error"]["code"] for r in recs if "error" in r)
sent = sum(len(s["regions"]) or 1 for r in recs if "error" not in r for s in r["signals"])
quiet = sum(1 for r in recs if "error" not in r and not r["signals"])
got_dead = collections.Counter()
for k in set(before) | set(after):
    if m := re.fullmatch(r'brinkwatch_detect_discarded_total\{reason="(\w+)"\}', k):
        if delta(k):
            got_dead[m.group(1)] = delta(k)
want = {"received": n, "completed": n, "sent": sent, "quiet": quiet, "dead letters": dict(dead)}
got = {"received": delta("brinkwatch_detect_received_total"), "completed": delta("brinkwatch_detect_completed_total"),
       "sent": delta("brinkwatch_detect_sent_total"), "quiet": delta("brinkwatch_detect_quiet_total"),
       "dead letters": dict(got_dead)}
errors = delta('brinkwatch_detect_errors_total{error_type="delivery"}')
print(f"{sys.argv[3].rsplit('/', 1)[-1]}: {got}")
if got != want or errors or not dead or sent == 0:
    print(f"  expected {want}, delivery errors {errors}")
    sys.exit(1)
PY
}

start_broker
make_input "$TMP/a.jsonl" 60 10 ma
make_input "$TMP/b.jsonl" 40 10 mb
# Published in 2031, not 2026: the aggregate stage's wall-clock tick moves an idle partition's
# stream time to now, and the samples' March 2026 would then be too late to raise any alert.
sed -i 's/"published_at": "2026-/"published_at": "2031-/' "$TMP/a.jsonl" "$TMP/b.jsonl"
classify_expected "$TMP/a.jsonl"
classify_expected "$TMP/b.jsonl"
"$BIN" classify --explain -c "$CONFIG" "$TMP/a.jsonl" >"$TMP/a.jsonl.explain" 2>/dev/null
"$BIN" classify --explain -c "$CONFIG" "$TMP/b.jsonl" >"$TMP/b.jsonl.explain" 2>/dev/null

start_daemon d1 --role all --stats-interval-ms 500 --set http.enabled=true --set "http.listen=127.0.0.1:$PORT" \
  --set kafka.statistics.interval.ms=500
wait_for "/healthz" 60 answers /healthz "200 ok" || { tail -5 "$TMP/d1.log"; finish; }
wait_for "/ready" 30 answers /ready "200 ready" || { get /ready; tail -5 "$TMP/d1.log"; finish; }
scrape "$TMP/m0"
[[ $(value "$TMP/m0" brinkwatch_detect_received_total) -eq 0 ]] || fail "received before any input"
[[ $(value "$TMP/m0" brinkwatch_aggregate_partitions) -eq 4 ]] || fail "aggregate partitions: not 4"
[[ $(value "$TMP/m0" brinkwatch_detect_partitions) -eq 4 ]] || fail "detect partitions: not 4"
grep -q "^brinkwatch_ruleset_info{version=\"[^\"]\+\"} 1$" "$TMP/m0" || fail "no brinkwatch_ruleset_info"
loaded=$(value "$TMP/m0" brinkwatch_ruleset_loaded_timestamp_seconds)
now=$(date +%s)
((loaded > now - 600 && loaded <= now)) || fail "ruleset loaded at $loaded, now $now"

# A second daemon cannot have the port: it refuses to start.
timeout -s KILL 30 "$BIN" run -c "$CONFIG" --set "kafka.bootstrap.servers=$BOOT" --set "http.listen=127.0.0.1:$PORT" \
  >"$TMP/d2.log" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q "cannot listen on 127.0.0.1:$PORT" "$TMP/d2.log" ||
  { fail "a second daemon on the same port: exit $rc"; tail -3 "$TMP/d2.log"; }

produce "$TMP/a.jsonl"
wait_for "60 articles in /metrics" 40 detect_done 60
scrape "$TMP/m1"
check_delta "$TMP/m0" "$TMP/m1" "$TMP/a.jsonl"
check detect-delta "$TMP/m0" "$TMP/m1" "$TMP/a.jsonl" || fail "rule hits or signals per region did not move as a.jsonl dictates"

produce "$TMP/b.jsonl"
wait_for "100 articles in /metrics" 40 detect_done 100
scrape "$TMP/m2"
check_delta "$TMP/m1" "$TMP/m2" "$TMP/b.jsonl"
check detect-delta "$TMP/m1" "$TMP/m2" "$TMP/b.jsonl" || fail "rule hits or signals per region did not move as b.jsonl dictates"

wait_for "the aggregate stage to receive every signal record" 30 aggregate_caught_up || cat "$TMP/m.now"
scrape "$TMP/m3"
[[ $(value "$TMP/m3" brinkwatch_aggregate_regions) -gt 0 ]] || fail "no regions in the aggregate state"
grep -q '^brinkwatch_aggregate_discarded_total{' "$TMP/m3" && fail "aggregate discarded records"
[[ $(get /healthz) == "200 ok" && $(get /ready) == "200 ready" ]] || fail "not healthy and ready after the input"

# Against the topics read back: the aggregate stage may still be ticking (an alert as regions
# decay), so scrape and read again until they agree.
read_back() {
  scrape "$TMP/m4" && read_topic brinkwatch.signals '%s\n' >"$TMP/signals.out" &&
    read_topic brinkwatch.alerts '%s\n' >"$TMP/alerts.out" &&
    check readback "$TMP/m4" "$TMP/signals.out" "$TMP/alerts.out" >"$TMP/readback.why"
}
POLL_INTERVAL=1 wait_for "signals and alerts in /metrics to equal the records read back" 30 read_back
cat "$TMP/readback.why"
# Every completed offset is in its stage's histogram (the aggregate stage completes a checkpoint
# at a time, about a second after its records).
histograms_done() { scrape "$TMP/m5" && check histograms "$TMP/m5" >"$TMP/histograms.why"; }
POLL_INTERVAL=0.5 wait_for "processing histograms to count every completed offset" 20 histograms_done
cat "$TMP/histograms.why"
# Lag, from librdkafka's statistics every 500 ms: a sample for each partition that holds records
# (a partition never committed has no known lag), 0 once everything is committed.
read_topic brinkwatch.articles '%p\n' | sort -un >"$TMP/articles.parts"
read_topic brinkwatch.signals '%p\n' | sort -un >"$TMP/signals.parts"
lag_zero() {
  scrape "$TMP/m6" && check lag "$TMP/m6" detect brinkwatch.articles $(cat "$TMP/articles.parts") >"$TMP/lag.why" &&
    check lag "$TMP/m6" aggregate brinkwatch.signals $(cat "$TMP/signals.parts") >>"$TMP/lag.why"
}
POLL_INTERVAL=0.5 wait_for "consumer lag 0 on every partition with records" 20 lag_zero
cat "$TMP/lag.why"

kill -TERM "$PID_d1"
wait "$PID_d1"
rc=$?
[[ $rc -eq 0 ]] || fail "run exited $rc after SIGTERM"
[[ $(get /healthz) == "0" ]] || fail "the endpoint still answers after shutdown"
finish
