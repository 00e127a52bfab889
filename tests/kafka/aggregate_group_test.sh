#!/usr/bin/env bash
# Two aggregators (`run --role aggregate`) in one group split the signals partitions: every
# region's state lives in one changelog partition, each partition is written by one process at
# a time, and a region's alerts come from the process that owns its state. Then one leaves; the
# other restores its partitions from the changelog and takes over, and the alerts are exactly
# those of an uninterrupted single run (nothing lost, nothing published twice under new ids).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"

python3 "$AGG_CHECK" gen "$TMP/signals.tsv" >/dev/null || fail "cannot generate the scenario"
n=$(wc -l <"$TMP/signals.tsv")
first=$((n / 2))
head -n "$first" "$TMP/signals.tsv" >"$TMP/first.tsv"
tail -n +"$((first + 1))" "$TMP/signals.tsv" >"$TMP/second.tsv"
reference_run "$TMP/signals.tsv" "$TMP/reference.alerts" || finish

start_broker
start_aggregator g1
start_aggregator g2
split_ok() {
  local a b
  a=$(owned g1) b=$(owned g2)
  [[ -n "$a" && -n "$b" ]] && (($(echo $a $b | wc -w) == 4))
}
wait_for "both aggregators to own partitions" 40 split_ok || finish
echo "g1 (pid $PID_g1) owns $(owned g1); g2 (pid $PID_g2) owns $(owned g2)"
g1_parts=$(owned g1)

feed "$TMP/first.tsv"
first_done() { (($(completed g1) + $(completed g2) >= first)); }
wait_for "the first $first records" 40 first_done || finish
echo "first half: g1 completed $(completed g1), g2 $(completed g2)"
((!$(completed g1) || !$(completed g2))) && echo "warning: one aggregator processed nothing (a partition without input?)"

kill -TERM "$PID_g1"
wait "$PID_g1" || fail "g1 did not exit 0"
all_on_g2() { [[ "$(owned g2)" == "0 1 2 3 " ]]; }
wait_for "g2 to take over every partition" 40 all_on_g2 || finish
for p in $g1_parts; do
  grep -qE "restored brinkwatch\.signals\[$p\] from .*: [1-9][0-9]* records" "$TMP/g2.log" ||
    fail "g2 took over partition $p without restoring state"
done
grep -oE 'restored brinkwatch\.signals\[[0-9]+\] .*current alerts' "$TMP/g2.log" | sed 's/^/g2 /'

feed "$TMP/second.tsv"
# A clean handover (g1 committed what it finished) reads nothing twice: together they finish
# exactly the input.
all_done() { (($(completed g1) + $(completed g2) >= n)); }
wait_for "all $n records finished" 60 all_done
POLL_INTERVAL=0.5 wait_for "the alerts of the uninterrupted run" 20 alerts_match "$TMP/reference.alerts"
echo "g1 completed $(completed g1), g2 $(completed g2), of $n"
kill -TERM "$PID_g2"
wait "$PID_g2" || fail "g2 did not exit 0"

read_alerts "$TMP/run.alerts"
python3 "$AGG_CHECK" alerts --run "$TMP/run.alerts" --reference "$TMP/reference.alerts" \
  --expect country:VE:critical --expect country:VE:none || fail "alerts differ from the uninterrupted run"
read_topic brinkwatch.aggregate-changelog '%p\t%k\t%h\n' >"$TMP/changelog.out"
read_topic brinkwatch.alerts '%h\t%s\n' >"$TMP/alerts-headers.out"
python3 "$AGG_CHECK" owners --changelog "$TMP/changelog.out" --alerts "$TMP/alerts-headers.out" \
  --instances "$PID_g1,$PID_g2" || fail "a region's state or alerts came from two processes at once"
finish
