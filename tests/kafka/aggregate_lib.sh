# Shared by the aggregate stage's tests (aggregate_*_test.sh), sourced after lib.sh. The input
# is signal records (tests/kafka/aggregate_check.py gen) produced straight into the signals
# topic with kcat: the aggregate stage's input is that topic, and this keeps the runs exact.
AGG_CHECK="$SRC/tests/kafka/aggregate_check.py"

# start_aggregator NAME [--set ...]: `brinkwatch run --role aggregate`, progress every 200 ms.
start_aggregator() {
  local name=$1
  shift
  start_daemon "$name" --role aggregate --stats-interval-ms 200 "$@"
}

# completed NAME: input offsets the aggregator NAME has finished (its latest progress line).
completed() {
  local n
  n=$(grep -o 'aggregate: received [0-9]*, completed [0-9]*' "$TMP/$1.log" | tail -1 | grep -o '[0-9]*$')
  echo "${n:-0}"
}

# owned NAME: signals partitions NAME holds now (restored and not released since), sorted.
owned() {
  grep -oE 'aggregate: (restored|released) brinkwatch\.signals\[[0-9]+\]' "$TMP/$1.log" |
    awk -F'[][]' '/restored/ {own[$2] = 1} /released/ {delete own[$2]} END {for (p in own) print p}' | sort -n | tr '\n' ' '
}

# feed FILE: its KEY<TAB>JSON lines into the signals topic.
feed() {
  "$KCAT" -P -b "$BOOT" -t brinkwatch.signals -K $'\t' -l "$1" || fail "kcat could not produce $1"
}

read_alerts() { read_topic brinkwatch.alerts '%s\n' >"$1"; }

# alerts_match REFERENCE: the alerts topic holds exactly the reference's level changes.
alerts_match() {
  read_alerts "$TMP/alerts.now"
  python3 "$AGG_CHECK" alerts --run "$TMP/alerts.now" --reference "$1" >/dev/null
}

# reference_run INPUT OUT: the alerts one uninterrupted aggregator makes of INPUT, on a broker
# of its own (the one of the test proper is left alone). Restores BOOT afterwards.
reference_run() {
  local input=$1 out=$2 n main_boot=${BOOT:-}
  n=$(wc -l <"$input")
  "$BIN" broker -c "$CONFIG" --bootstrap-file "$TMP/ref.boot" >"$TMP/ref-broker.log" 2>&1 &
  started+=($!)
  local ref_broker=$!
  wait_for "the reference broker's address" 15 test -s "$TMP/ref.boot" || return 1
  BOOT=$(head -1 "$TMP/ref.boot")
  start_aggregator ref
  feed "$input"
  ref_done() { (($(completed ref) >= n)); }
  wait_for "the reference run to finish $n records" 60 ref_done || return 1
  kill -TERM "$PID_ref"
  wait "$PID_ref" || fail "the reference aggregator did not exit 0"
  read_alerts "$out"
  kill "$ref_broker"
  BOOT=$main_boot
  echo "reference: $(grep -o 'aggregate: received.*' "$TMP/ref.log" | tail -1)"
}

# AGG_KEEP=DIR keeps the logs and topic dumps of a run there (for debugging a failure).
if [[ -n "${AGG_KEEP:-}" ]]; then
  trap 'mkdir -p "$AGG_KEEP" && cp -r "$TMP"/. "$AGG_KEEP"/; cleanup' EXIT
fi
