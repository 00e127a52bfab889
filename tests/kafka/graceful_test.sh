#!/usr/bin/env bash
# (d) SIGTERM drains and commits: a restart in the same group re-reads nothing it had finished.
source "$(dirname "$0")/lib.sh"

start_broker
make_input "$TMP/in.jsonl" 300 5 grace
classify_expected "$TMP/in.jsonl"
produce "$TMP/in.jsonl"
start_daemon d1
wait_accounted "all 300 articles accounted for" 90 "$TMP/in.jsonl"
kill -TERM "$PID_d1"
wait "$PID_d1"
rc=$?
[[ $rc -eq 0 ]] || fail "run exited $rc after SIGTERM"
grep -q "received 300, completed 300" "$TMP/d1.log" || fail "first run did not finish all 300"

# Restart; one new article shows when the restarted daemon is consuming.
start_daemon d2
make_input "$TMP/more.jsonl" 1 0 sentinel
produce "$TMP/more.jsonl"
sentinel_seen() { read_topic brinkwatch.signals '%s\n' | grep -q '"article_id":"sentinel-0-'; }
wait_for "the sentinel article's signal" 30 sentinel_seen
kill -TERM "$PID_d2"
wait "$PID_d2" || fail "second run did not exit 0"
grep -q "received 1, completed 1" "$TMP/d2.log" || {
  fail "the restart re-read finished articles:"
  grep "received" "$TMP/d2.log"
}
finish
