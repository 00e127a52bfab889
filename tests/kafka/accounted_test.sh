#!/usr/bin/env bash
# (a) 300 articles in, about 10% malformed, through `brinkwatch run`: every valid article's
# signals are in the signals topic exactly as `brinkwatch classify` finds them, and every bad one
# has exactly one dead letter with the right error.code header. Read back with kcat.
source "$(dirname "$0")/lib.sh"

start_broker
make_input "$TMP/in.jsonl" 300 10 acc
classify_expected "$TMP/in.jsonl"
produce "$TMP/in.jsonl"
start_daemon d1

wait_accounted "all 300 articles accounted for" 90 "$TMP/in.jsonl"
account "$TMP/in.jsonl" || fail "articles not accounted for"

kill -TERM "$PID_d1"
wait "$PID_d1"
rc=$?
[[ $rc -eq 0 ]] || fail "run exited $rc after SIGTERM"
grep -q "received 300, completed 300" "$TMP/d1.log" || { fail "shutdown counters wrong"; tail -5 "$TMP/d1.log"; }
grep -Eq "dead-lettered [0-9]+ \(.*invalid_json=" "$TMP/d1.log" || fail "dead letters not counted by reason"
finish
