#!/usr/bin/env bash
# The aggregate stage killed with SIGKILL mid-stream, then restarted: its partitions' state is
# restored from the changelog, every alert of an uninterrupted run of the same input is
# present, and no level change is published under two ids (alerts grouped by region, level,
# previous level and time have one id each).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"

python3 "$AGG_CHECK" gen "$TMP/signals.tsv" >/dev/null || fail "cannot generate the scenario"
n=$(wc -l <"$TMP/signals.tsv")
reference_run "$TMP/signals.tsv" "$TMP/reference.alerts" || finish

start_broker
start_aggregator a1
restored_all() { [[ "$(owned a1)" == "0 1 2 3 " ]]; }
wait_for "a1 to own and restore every partition" 30 restored_all || finish
split -l 40 "$TMP/signals.tsv" "$TMP/part."
# Feed at a steady pace (input pacing, not waiting for a condition), so the kill lands mid-stream.
(for f in "$TMP"/part.*; do feed "$f"; sleep 0.1; done) &
feeder=$!
started+=($feeder)

halfway() { (($(completed a1) >= n / 3)); }
wait_for "a1 to finish a third of the input" 40 halfway || finish
# Half a checkpoint interval later: records processed but not yet checkpointed are lost with
# the process, and read again (and counted once) after the restart.
sleep 0.5
kill -9 "$PID_a1"
wait "$PID_a1" 2>/dev/null
echo "a1 killed: $(grep -o 'aggregate: received.*' "$TMP/a1.log" | tail -1)"
echo "$(read_topic brinkwatch.alerts '%s\n' | wc -l) alert records so far, of $n input records"

start_aggregator a2
wait "$feeder"
# Caught up: every partition read to its end, idle, and ticking (the feeder has finished).
caught_up() { (($(grep -c 'caught up at offset' "$TMP/a2.log") >= 4)); }
wait_for "a2 to restore and catch up on every partition" 60 caught_up
POLL_INTERVAL=0.5 wait_for "the alerts of the uninterrupted run" 20 alerts_match "$TMP/reference.alerts"
grep -qE 'restored brinkwatch\.signals\[[0-9]+\] from .*: [1-9][0-9]* records' "$TMP/a2.log" ||
  fail "a2 restored no state from the changelog"
grep -oE 'restored brinkwatch\.signals\[[0-9]+\] .*current alerts' "$TMP/a2.log" | sed 's/^/a2 /'
kill -TERM "$PID_a2"
wait "$PID_a2" || fail "a2 did not exit 0"
echo "a2: $(grep -o 'aggregate: received.*' "$TMP/a2.log" | tail -1)"

read_alerts "$TMP/run.alerts"
python3 "$AGG_CHECK" alerts --run "$TMP/run.alerts" --reference "$TMP/reference.alerts" \
  --expect country:VE:critical --expect country:VE:none --expect theatre:taiwan_strait:critical || fail "alerts differ from the uninterrupted run"
dead=$(read_topic brinkwatch.dead-letter '%s\n' | sort -u | wc -l)
((dead == 3)) || fail "expected the 3 unreadable records in the dead-letter topic, found $dead distinct"
finish
