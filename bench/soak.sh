#!/usr/bin/env bash
# Soak run (issue 6): both stages through the embedded broker at a steady rate for a bounded
# time, to show that resident memory stays flat and consumer lag stays bounded.
#
#   bench/soak.sh [BUILD_DIR]        (default build; needs BUILD_DIR/brinkwatch and bench/bench_corpus)
#
# Environment (defaults):
#   RATE=200              articles per second fed into brinkwatch.articles
#   DURATION=1200         seconds of feeding (the drain afterwards is not counted)
#   WARMUP=120            seconds at the start excluded from the verdict (group joins, first
#                         statistics, allocator and librdkafka queues filling); at most DURATION/4
#   INTERVAL=10           seconds between samples
#   PARTITIONS=8          partitions of every topic of the embedded broker
#   WORKERS=2             detection threads (limits.workers)
#   RSS_MAX_GROWTH_MB=16  threshold: RSS growth of each stage over the steady part (t >= WARMUP),
#                         from the least-squares line (slope x duration), in MiB
#   LAG_MAX_S=10          threshold: each stage's consumer lag (brinkwatch_consumer_lag summed
#                         over its partitions) after warm-up, in seconds of that stage's input
#                         (RATE for detect, the measured signal-record rate for aggregate)
#   OUT=DIR               where the CSV, the logs and the summary go (default a new /tmp/brinkwatch-soak.XXXX)
#
# What runs: `brinkwatch broker` (PARTITIONS partitions per topic), `brinkwatch run --role detect`
# and `brinkwatch run --role aggregate` as two processes (so each stage's RSS and lag are its
# own), each with /metrics on a free loopback port. The input is bench_corpus (bench/corpus.h:
# ~5 KB synthetic articles, ids bench-N unique in the run, escalation phrases about 9 in 10
# articles) with published_at rewritten to the time each is fed (bench/soak.py feed), produced
# by kcat (lz4, keyed by sequence number). Every INTERVAL s: VmRSS of the three processes, each
# stage's /metrics (lag, counters), the load average -> OUT/soak.csv. After DURATION the feed
# stops, the stages drain (until detect completed = articles fed and aggregate completed =
# signal records sent, at most 120 s), then SIGTERM: each stage must exit 0.
#
# The embedded broker keeps about 5 MB (and 100,000 records) per partition and deletes older
# records as new ones arrive (docs/operations.md). A soak writes far more than that (200/s x
# 5 KB x 1200 s = 1.2 GB before compression), which is fine as long as each consumer stays
# within what is kept: PARTITIONS=8 keeps 40 MB of articles (over 40 s of input at 200/s even
# uncompressed) and of signals, against the lag threshold of 10 s. A consumer that fell behind
# further would get OFFSET_OUT_OF_RANGE and skip records, which the accounting (articles fed =
# articles completed) then reports as a FAIL. The changelog is never read back during the run
# (a restore happens only on assignment). The broker's own RSS grows until its partitions are
# full (up to ~5 MB x 5 topics x PARTITIONS); it is reported, not judged.
#
# Verdict PASS when, for each stage: fitted RSS growth <= RSS_MAX_GROWTH_MB, lag <= LAG_MAX_S of
# input in every steady sample; articles fed = detect completed, detect signal records sent =
# aggregate completed; no dead letter, no delivery error; at least one alert; both stages exit 0
# on SIGTERM. Exit 0 on PASS, 1 on FAIL. Figures measured so far: docs/reliability.md, "Soak".
# Not run in CI (20 minutes); use a RelWithDebInfo or Release build and note the machine's load.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
BUILD=$(realpath "${1:-build}")
BIN=$BUILD/brinkwatch
CORPUS=$BUILD/bench/bench_corpus
RATE=${RATE:-200}
DURATION=${DURATION:-1200}
WARMUP=${WARMUP:-120}
((WARMUP > DURATION / 4)) && WARMUP=$((DURATION / 4))
INTERVAL=${INTERVAL:-10}
PARTITIONS=${PARTITIONS:-8}
WORKERS=${WORKERS:-2}
RSS_MAX_GROWTH_MB=${RSS_MAX_GROWTH_MB:-16}
LAG_MAX_S=${LAG_MAX_S:-10}
KCAT=$(command -v kcat || command -v kafkacat || true)
[[ -n "$KCAT" ]] || { echo "kcat is required (bash scripts/setup.sh installs it)" >&2; exit 2; }
[[ -x "$BIN" && -x "$CORPUS" ]] || { echo "build brinkwatch and bench_corpus in $BUILD first" >&2; exit 2; }
OUT=${OUT:-$(mktemp -d /tmp/brinkwatch-soak.XXXX)}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
CONFIG=$SRC/config/brinkwatch.yaml
COUNT=$((RATE * DURATION))

pids=()
cleanup() {  # on any exit: whatever is still running was started here
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'echo "interrupted; logs in $OUT" >&2; exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # DESCRIPTION SECONDS COMMAND...
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || { echo "timed out waiting for $what" >&2; exit 1; }
    sleep 0.5
  done
}
metric() {  # PORT NAME: a counter's value (0 when absent)
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {v = $2} END {printf "%d\n", v}'
}

echo "soak: RATE=$RATE DURATION=$DURATION WARMUP=$WARMUP PARTITIONS=$PARTITIONS WORKERS=$WORKERS -> $OUT"
echo "binary: $BIN ($(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?') source tree); nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg)"

"$BIN" broker -c "$CONFIG" --set embedded.partitions="$PARTITIONS" --bootstrap-file "$OUT/boot" >"$OUT/broker.log" 2>&1 &
BROKER=$!
pids+=("$BROKER")
wait_for "the broker's address" 30 test -s "$OUT/boot"
BOOT=$(head -1 "$OUT/boot")

stage() {  # ROLE PORT: one stage, progress line every 10 s
  "$BIN" run -c "$CONFIG" --role "$1" --set kafka.bootstrap.servers="$BOOT" --set http.listen="127.0.0.1:$2" \
    --set limits.workers="$WORKERS" --stats-interval-ms 10000 >"$OUT/$1.log" 2>&1 &
}
DPORT=$(free_port)
stage detect "$DPORT"
DETECT=$!
pids+=("$DETECT")
APORT=$(free_port)
while [[ "$APORT" == "$DPORT" ]]; do APORT=$(free_port); done
stage aggregate "$APORT"
AGGREGATE=$!
pids+=("$AGGREGATE")
ready() { curl -sf "http://127.0.0.1:$1/ready" >/dev/null; }
wait_for "the detect stage's /ready" 120 ready "$DPORT"
wait_for "the aggregate stage's /ready" 120 ready "$APORT"
echo "stages ready: detect pid $DETECT :$DPORT, aggregate pid $AGGREGATE :$APORT"

echo 0 >"$OUT/produced"
python3 "$SRC/bench/soak.py" sample "$OUT/soak.csv" "$INTERVAL" "$OUT/stop" "$OUT/produced" "$OUT/feed-done" \
  "detect:$DETECT:$DPORT" "aggregate:$AGGREGATE:$APORT" "broker:$BROKER:" 2>"$OUT/sample.err" &
SAMPLER=$!
pids+=("$SAMPLER")

echo "feeding $COUNT articles at $RATE/s for $DURATION s (started $(date -u +%H:%M:%S) UTC)"
# bench_corpus writes ahead into the pipe and blocks; feed paces the lines; kcat produces them.
"$CORPUS" "$COUNT" 42 | python3 "$SRC/bench/soak.py" feed "$RATE" "$COUNT" "$OUT/produced" |
  "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -z lz4 -K $'\t' 2>"$OUT/kcat.err" &
FEED=$!
pids+=("$FEED")
# A stage that exits during the feed is a FAIL; the feed goes on while the detect stage runs, so
# the other stage's figures still cover the whole run.
declare -A died=()
check_stages() {
  local name pid
  for name in detect aggregate; do
    pid=$([[ $name == detect ]] && echo "$DETECT" || echo "$AGGREGATE")
    if [[ -z "${died[$name]:-}" ]] && ! kill -0 "$pid" 2>/dev/null; then
      died[$name]="at $(date -u +%H:%M:%S) UTC, $(($(date +%s) - feed_start)) s into the feed"
      echo "FAIL: the $name stage exited ${died[$name]}; its last errors:"
      grep -E " (error|warning) " "$OUT/$name.log" | tail -5 | sed 's/^/  /' || true
    fi
  done
}
feed_start=$(date +%s)
while kill -0 "$FEED" 2>/dev/null; do
  check_stages
  [[ -n "${died[detect]:-}" ]] && { kill -TERM "$FEED" 2>/dev/null || true; break; }
  sleep 2
done
if ! wait "$FEED" && [[ -z "${died[detect]:-}" ]]; then
  echo "the feed failed:" >&2
  cat "$OUT/kcat.err" >&2
  exit 1
fi
check_stages
touch "$OUT/feed-done"
PRODUCED=$(cat "$OUT/produced")
if ((PRODUCED != COUNT)) && [[ -z "${died[detect]:-}" ]]; then
  echo "the feed stopped after $PRODUCED of $COUNT articles" >&2
  exit 1
fi
echo "fed $PRODUCED articles (finished $(date -u +%H:%M:%S) UTC); draining"

drained() {
  local dc ds ac
  dc=$(metric "$DPORT" brinkwatch_detect_completed_total)
  ds=$(metric "$DPORT" brinkwatch_detect_sent_total)
  ac=$(metric "$APORT" brinkwatch_aggregate_completed_total)
  [[ -n "${died[aggregate]:-}" ]] && ac=$ds
  ((dc >= PRODUCED && ac >= ds))
}
deadline=$((SECONDS + 120))
until [[ -n "${died[detect]:-}" ]] || drained || ((SECONDS >= deadline)); do sleep 1; done
[[ -n "${died[detect]:-}" ]] || drained || echo "not drained after 120 s (the accounting below says what is missing)"

touch "$OUT/stop"
wait "$SAMPLER" || echo "the sampler failed: $(cat "$OUT/sample.err")" >&2

status=0
for name in detect aggregate; do
  pid=$([[ $name == detect ]] && echo "$DETECT" || echo "$AGGREGATE")
  if [[ -n "${died[$name]:-}" ]]; then
    rc=0
    wait "$pid" || rc=$?
    echo "FAIL: $name had exited by itself (status $rc) ${died[$name]}; its log: $OUT/$name.log"
    status=1
    continue
  fi
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  if ((rc == 0)); then
    echo "$name: exit 0 on SIGTERM"
  else
    echo "FAIL: $name exited $rc on SIGTERM; its log: $OUT/$name.log"
    status=1
  fi
done
# The aggregate stage's state records as they are in the changelog (size per region): the
# input of the report's "changelog" lines.
"$KCAT" -C -b "$BOOT" -t brinkwatch.aggregate-changelog -o beginning -e -q -f '%k\t%s\n' >"$OUT/changelog.tsv" 2>/dev/null ||
  echo "could not read the changelog back" >&2
kill -TERM "$BROKER"
wait "$BROKER" || true
pids=()

if grep -qi "out of range\|OFFSET_OUT_OF_RANGE" "$OUT/detect.log" "$OUT/aggregate.log"; then
  echo "FAIL: a consumer fell further behind than the embedded broker keeps (offset out of range)"
  status=1
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$SRC/bench/soak.py" report "$OUT/soak.csv" "$WARMUP" "$RATE" "$RSS_MAX_GROWTH_MB" "$LAG_MAX_S" "$OUT/changelog.tsv" |
  tee "$OUT/summary.txt" || status=1
((status == 0)) || echo "(verdict overall: FAIL, see above)" | tee -a "$OUT/summary.txt"
echo "CSV: $OUT/soak.csv; logs: $OUT/{broker,detect,aggregate}.log"
exit "$status"
