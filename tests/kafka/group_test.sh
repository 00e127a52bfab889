#!/usr/bin/env bash
# (c) Two `brinkwatch run` processes in one group split the 4 partitions; one is stopped and
# the other takes its partitions over; nothing is lost.
source "$(dirname "$0")/lib.sh"

start_broker
start_daemon d1
start_daemon d2
assigned_count() {  # LOG: number of partitions in its latest assignment lines
  grep -o 'assigned .*' "$TMP/$1.log" | grep -o 'articles\[[0-9]*\]' | sort -u | wc -l
}
split_ok() { (($(assigned_count d1) >= 1 && $(assigned_count d2) >= 1)); }
wait_for "both daemons to get partitions" 30 split_ok
echo "d1: $(grep -o 'assigned .*' "$TMP/d1.log" | tr '\n' ';')"
echo "d2: $(grep -o 'assigned .*' "$TMP/d2.log" | tr '\n' ';')"

make_input "$TMP/first.jsonl" 200 5 grpa
classify_expected "$TMP/first.jsonl"
produce "$TMP/first.jsonl"
wait_accounted "the first 200 articles accounted for" 90 "$TMP/first.jsonl"
kill -TERM "$PID_d1"
wait "$PID_d1" || fail "d1 did not exit 0"
grep -q "received [1-9]" "$TMP/d1.log" || {
  # Both held partitions (checked above); under heavy load a member can lose its partitions to
  # a session timeout before the input arrives. Say so, but the takeover below is the test.
  echo "warning: d1 processed nothing"
  grep -E "assigned|revoked|received|lost" "$TMP/d1.log" "$TMP/d2.log"
}

# d2 now owns every partition.
all_on_d2() { (($(assigned_count d2) == 4)); }
wait_for "d2 to take over all partitions" 30 all_on_d2

make_input "$TMP/second.jsonl" 200 5 grpb
classify_expected "$TMP/second.jsonl"
produce "$TMP/second.jsonl"
cat "$TMP/first.jsonl" "$TMP/second.jsonl" >"$TMP/all.jsonl"
cat "$TMP/first.jsonl.classify" >"$TMP/all.jsonl.classify"
# classify numbers lines from 1 per file; renumber the second file's error records.
python3 - "$TMP/second.jsonl.classify" 200 >>"$TMP/all.jsonl.classify" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if "line" in r:
        r["line"] += int(sys.argv[2])
    print(json.dumps(r))
PY
wait_accounted "all 400 articles accounted for" 90 "$TMP/all.jsonl"
account "$TMP/all.jsonl" || fail "articles lost across the takeover"
kill -TERM "$PID_d2"
wait "$PID_d2" || fail "d2 did not exit 0"
finish
