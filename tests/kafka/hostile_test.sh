#!/usr/bin/env bash
# The hostile-input corpus on the wire (issue 6 item 2): about 60 kinds of bad and pathological
# messages (tests/kafka/hostile_corpus.py; the same kinds as tests/core/hostile_input_test.cpp),
# including a 10 MB message, a 99,999,000-byte one (the largest the embedded broker takes) and an
# empty and a null value, each produced with its kind as the key into a running
# `brinkwatch run --role detect`. Then:
#   - every message is accounted for: a dead letter with the expected error.code (and its
#     original bytes, cut to 900 KiB) or exactly the signals `brinkwatch classify` finds;
#   - a 100,000,000-byte message is refused by the broker (the producer fails; nothing is
#     appended), so the daemon never sees it;
#   - the daemon is still running, /healthz answers 200, its counters add up;
#   - its peak RSS (VmHWM) stays under the bound docs/reliability.md derives from the limits
#     set here.
source "$(dirname "$0")/lib.sh"

MAX_MESSAGE=4194304     # input.max_message_bytes
WORKERS=2               # limits.workers
RECEIVE_MAX=100000000   # kafka.receive.message.max.bytes (librdkafka's default)
QUEUED_KB=65536         # kafka.queued.max.messages.kbytes (librdkafka's default)
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
answers() { [[ $(get "$1") == "$2" ]]; }
# metric NAME_WITH_LABELS: its value from /metrics (0 when absent).
metric() {
  python3 - "$URL/metrics" "$1" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
for line in text.splitlines():
    k, _, v = line.rpartition(" ")
    if k == sys.argv[2]:
        print(int(float(v)))
        sys.exit(0)
print(0)
PY
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# The corpus and the offline answer for its valid articles are made while the broker and the
# daemon start (each compiles the rules: on two busy cores that is most of the run time).
C="$TMP/corpus"
(python3 "$SRC/tests/kafka/hostile_corpus.py" "$C" &&
  "$BIN" classify -c "$CONFIG" "$C/ok.jsonl" >"$C/ok.classify" 2>/dev/null) &
PREPARE_PID=$!
started+=($PREPARE_PID)

start_broker --set embedded.partitions=8
start_daemon d1 --set http.enabled=true --set "http.listen=127.0.0.1:$PORT" \
  --set "input.max_message_bytes=$MAX_MESSAGE" --set "limits.workers=$WORKERS" \
  --set "kafka.receive.message.max.bytes=$RECEIVE_MAX" --set "kafka.queued.max.messages.kbytes=$QUEUED_KB"
wait_for "the daemon to be ready" 90 answers /ready "200 ready" || { tail -20 "$TMP/d1.log"; finish; }
base_rss=$(status_kb "$PID_d1" VmRSS)
base_hwm=$(status_kb "$PID_d1" VmHWM)
wait "$PREPARE_PID" || { fail "cannot write the corpus or classify it"; finish; }
[[ -s "$C/ok.classify" ]] || { fail "classify produced nothing"; finish; }

# Over the broker's limit: the embedded broker (librdkafka's mock) reads requests up to its
# receive.message.max.bytes, 100,000,000 bytes, so a Produce request carrying a message of that
# size is cut off and the producer gives up. A real broker refuses it too (message.max.bytes,
# 1 MB by default). Nothing is appended.
if "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -p 0 -k over_broker_limit -X message.max.bytes=1000000000 \
  -X message.timeout.ms=10000 "$C/over_broker_limit" >"$TMP/over.log" 2>&1; then
  fail "a 100,000,000-byte message was accepted by the embedded broker (docs/reliability.md says it is not)"
fi
"$KCAT" -Q -b "$BOOT" -t brinkwatch.articles:0:-1 2>/dev/null | grep -q "offset 0$" ||
  fail "the refused message was appended to brinkwatch.articles[0]"

# The corpus, each message with its kind as key, in manifest order per partition.
while IFS=$'\t' read -r kind partition _ _; do
  "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -p "$partition" -k "$kind" -X message.max.bytes=1000000000 \
    "$C/$kind" || fail "kcat could not produce $kind"
done <"$C/manifest.tsv"
# An empty value and a null one (kcat skips empty files and lines; a key with -K makes them).
printf 'empty_value\t\n' | "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -p 6 -K '\t' || fail "kcat: empty value"
printf 'null_value\t\n' | "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -p 6 -K '\t' -Z || fail "kcat: null value"
total=$(($(wc -l <"$C/manifest.tsv") + 2))

accounted() {
  read_topic brinkwatch.signals '%s\n' >"$TMP/signals.out"
  read_topic brinkwatch.dead-letter '%k\t%h\t%S\n' >"$TMP/dead.out"
  python3 "$SRC/tests/kafka/hostile_check.py" "$C" "$C/ok.classify" "$TMP/signals.out" "$TMP/dead.out" "$@"
}
POLL_INTERVAL=1 wait_for "all $total messages accounted for" 120 accounted --quiet
accounted || fail "messages not accounted for"

# Still up, still answering, counters consistent with the corpus.
kill -0 "$PID_d1" 2>/dev/null || fail "the daemon died"
answers /healthz "200 ok" || fail "/healthz: $(get /healthz)"
received=$(metric brinkwatch_detect_received_total)
completed=$(metric brinkwatch_detect_completed_total)
[[ $received -eq $total && $completed -eq $total ]] ||
  fail "received $received, completed $completed; $total messages were produced"
dead_expected=$(($(awk -F'\t' '$3 != "ok"' "$C/manifest.tsv" | wc -l) + 2))
dead_total=0
for code in empty too_large invalid_json invalid_utf8 not_an_object wrong_type too_deep missing_content invalid_timestamp; do
  dead_total=$((dead_total + $(metric "brinkwatch_detect_discarded_total{reason=\"$code\"}")))
done
[[ $dead_total -eq $dead_expected ]] || fail "dead letters counted $dead_total, expected $dead_expected"

# Peak memory: the bound of docs/reliability.md ("Memory"), from the limits set above, over
# the resident size once the rules were compiled (what the process holds before any input).
peak=$(status_kb "$PID_d1" VmHWM)
bound=$((base_rss + RECEIVE_MAX / 1024 + QUEUED_KB + WORKERS * 28 * MAX_MESSAGE / 1024))
((bound < base_hwm)) && bound=$base_hwm
echo "peak RSS ${peak} kB; ready at ${base_rss} kB (start-up peak ${base_hwm} kB); bound ${bound} kB"
((peak <= bound)) || fail "peak RSS ${peak} kB is over the bound ${bound} kB"

kill -TERM "$PID_d1"
wait "$PID_d1"
rc=$?
[[ $rc -eq 0 ]] || fail "run exited $rc after SIGTERM"
grep -q "received $total, completed $total" "$TMP/d1.log" || { fail "shutdown counters wrong"; tail -3 "$TMP/d1.log"; }
finish
