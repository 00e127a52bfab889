#!/usr/bin/env bash
# (b) `brinkwatch run` killed with SIGKILL mid-stream, then restarted: no article is lost, and
# the articles processed twice are bounded by the in-flight limit (4 partitions x 10) plus what
# finished after the last commit (auto.commit.interval.ms=20 here); the test allows 2 x 40.
source "$(dirname "$0")/lib.sh"

start_broker
make_input "$TMP/in.jsonl" 600 0 kill
classify_expected "$TMP/in.jsonl"
split -l 30 "$TMP/in.jsonl" "$TMP/part."
start_daemon d1 --set limits.max_in_flight_per_partition=10
wait_for "the daemon's assignment" 20 grep -q "assigned" "$TMP/d1.log"

# Feed at a steady pace (this is input pacing, not waiting for a condition).
(for f in "$TMP"/part.*; do "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -l "$f"; sleep 0.15; done) &
feeder=$!
started+=($feeder)

signals_seen() { [[ $(read_topic brinkwatch.signals '%s\n' | wc -l) -ge $1 ]]; }
wait_for "some signals" 30 signals_seen 150
kill -9 "$PID_d1"
wait "$PID_d1" 2>/dev/null
before=$(read_topic brinkwatch.signals '%s\n' | wc -l)
echo "killed after $before signal records"

start_daemon d2 --set limits.max_in_flight_per_partition=10
wait "$feeder"
wait_accounted "all 600 articles accounted for after the restart" 90 "$TMP/in.jsonl" --max-duplicate-articles 80
account "$TMP/in.jsonl" --max-duplicate-articles 80 || fail "lost or too many duplicated articles"
kill -TERM "$PID_d2"
wait "$PID_d2" || fail "restarted daemon did not exit 0"
finish
