#!/usr/bin/env bash
# End-to-end benchmark of the detect stage through the embedded broker (docs/performance.md,
# "End to end through Kafka"):
#   1. throughput: N synthetic ~5 KB articles (bench_corpus) produced first with kcat, then the
#      time from `brinkwatch run` start (and from its partition assignment) until every offset
#      is completed, read from the daemon's progress lines; peak RSS (VmHWM) of the daemon.
#   2. latency: articles produced at RATE/s by bench/kafka_latency while the daemon runs; p50 /
#      p99 from produce to the signal record read by a consumer.
# usage: bench/e2e.sh [BUILD_DIR] [N] [RATE]    (defaults: build 50000 1000)
# ROLE=all runs both stages in the daemon (default: detect, the stage measured here); WORKERS=n
# sets limits.workers (default 2); PERF=FILE records a `perf` profile of the daemon and the
# broker from the group assignment to the last article (perf report -i FILE --sort comm,dso);
# QUIET=p makes p% of the throughput run's articles quiet ones (bench_corpus's third argument):
# 95 is like general news, 70 like a world-news section, 0 (default) a dense stress test
# (docs/performance.md, "Which mix of articles"). DAEMON_ARGS adds options to both daemon runs, for
# A/B tests of settings, e.g. DAEMON_ARGS="--set kafka.compression.type=none".
# Use a Release build on a quiet machine. The embedded broker keeps about 5 MB per partition,
# so the articles topic gets one partition per 4 MB of backlog (at most 256) and keyed records.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=$(realpath "${1:-build}")
N=${2:-50000}
RATE=${3:-1000}
BIN=$BUILD/brinkwatch
KCAT=$(command -v kcat || command -v kafkacat)
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start_broker() {
  rm -f "$TMP/boot"
  "$BIN" broker -c config/brinkwatch.yaml --set embedded.partitions="$1" --bootstrap-file "$TMP/boot" &
  pids+=($!)
  until [[ -s "$TMP/boot" ]]; do sleep 0.05; done
  BOOT=$(head -1 "$TMP/boot")
}
run_daemon() {  # LOG
  "$BIN" run -c config/brinkwatch.yaml --role "${ROLE:-detect}" --set kafka.bootstrap.servers="$BOOT" --set kafka.fetch.wait.max.ms=10 \
    --set limits.workers="${WORKERS:-2}" --stats-interval-ms 100 ${DAEMON_ARGS:-} >"$1" 2>&1 &
  DAEMON=$!
  pids+=($DAEMON)
}
ms() { date -d "$1" +%s%3N; }  # log timestamp → Unix ms

echo "== throughput: $N articles"
"$BUILD/bench/bench_corpus" "$N" 42 "${QUIET:-0}" >"$TMP/corpus.jsonl"
bytes=$(stat -c %s "$TMP/corpus.jsonl")
# The embedded broker keeps about 5 MB per partition: enough partitions to hold the backlog.
parts=$((bytes / 4000000 + 4))
((parts > 256)) && parts=256
echo "$parts partitions"
start_broker "$parts"
# Keyed by line number, so the backlog spreads evenly (without keys, sticky partitioning fills a
# few partitions past what the embedded broker keeps).
awk '{print NR "\t" $0}' "$TMP/corpus.jsonl" >"$TMP/keyed.tsv"
"$KCAT" -P -b "$BOOT" -t brinkwatch.articles -z lz4 -X linger.ms=50 -X batch.num.messages=100 -K $'\t' -l "$TMP/keyed.tsv"
t0=$(date +%s%3N)
run_daemon "$TMP/tp.log"
stall=$SECONDS
last=""
# The finish time is read from the log's timestamps, so a slow poll here costs no precision and
# leaves the cores to the daemon and the broker (forks at 10/s were a tenth of the machine).
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, clock ticks
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }
cpu_daemon0="" cpu_broker0=""
until grep -q "completed $N," "$TMP/tp.log"; do
  sleep 0.5
  # CPU from the first poll after the group assignment on (the engine is built by then).
  if [[ -z "$cpu_daemon0" ]] && grep -q " assigned " "$TMP/tp.log"; then
    cpu_daemon0=$(cpu "$DAEMON") cpu_broker0=$(cpu "${pids[0]}") sys_daemon0=$(sys_ticks "$DAEMON")
    if [[ -n "${PERF:-}" ]]; then
      perf record -q -p "$DAEMON","${pids[0]}" -o "$PERF" 2>/dev/null &
      pids+=($!)
      perf_pid=$!
    fi
  fi
  kill -0 "$DAEMON" || { cat "$TMP/tp.log"; exit 1; }
  now=$(grep -o "completed [0-9]*" "$TMP/tp.log" | tail -1 || true)
  [[ "$now" != "$last" ]] && { last=$now; stall=$SECONDS; }
  if ((SECONDS - stall > 20)); then
    echo "no progress for 20 s at '$last': the backlog is larger than the embedded broker keeps" \
      "(about 5 MB per partition), or the daemon is stuck; its log:" >&2
    grep -vE " info (detect: received|brinkwatch)" "$TMP/tp.log" | tail -15 >&2
    exit 1
  fi
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$DAEMON/status")
cpu_daemon=$(($(cpu "$DAEMON") - ${cpu_daemon0:-0})) cpu_broker=$(($(cpu "${pids[0]}") - ${cpu_broker0:-0}))
sys_daemon=$(($(sys_ticks "$DAEMON") - ${sys_daemon0:-0}))
if [[ -n "${perf_pid:-}" ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
kill -TERM "$DAEMON"
wait "$DAEMON" || true
done_line=$(grep -m1 "completed $N," "$TMP/tp.log")
t_done=$(ms "$(cut -d' ' -f1 <<<"$done_line")")
t_assigned=$(ms "$(grep -m1 ' assigned ' "$TMP/tp.log" | cut -d' ' -f1)")
python3 - "$N" "$bytes" "$t0" "$t_assigned" "$t_done" "$rss" "$cpu_daemon" "$cpu_broker" "$(getconf CLK_TCK)" "$sys_daemon" <<'PY'
import sys
n, b, t0, ta, td, rss, cd, cb, tck, sd = map(int, sys.argv[1:])
print(f"articles {n}, {b/n/1024:.1f} KiB average")
print(f"from daemon start:      {(td-t0)/1000:.2f} s  {n/((td-t0)/1000):,.0f} articles/s")
print(f"from group assignment:  {(td-ta)/1000:.2f} s  {n/((td-ta)/1000):,.0f} articles/s  {b/((td-ta)/1000)/1e6:.1f} MB/s")
print(f"peak RSS of the daemon: {rss/1024:.0f} MiB")
# CPU per article is what the cores allow, whatever else runs beside: 2 cores / it = capacity.
print(f"CPU after assignment:   daemon {cd/tck:.1f} s ({cd/tck/n*1e6:.0f} µs per article, {sd/tck:.1f} s of it in the kernel), "
      f"embedded broker {cb/tck:.1f} s ({cb/tck/n*1e6:.0f} µs per article)")
PY
grep "signals sent" "$TMP/tp.log" | tail -1 | sed 's/^.*detect: /final: /'
kill -TERM "${pids[0]}" 2>/dev/null || true

echo "== latency: $((RATE * 20)) articles at $RATE/s"
start_broker 4
run_daemon "$TMP/lat.log"
until grep -q " assigned " "$TMP/lat.log"; do sleep 0.05; done
"$BUILD/bench/kafka_latency" "$BOOT" $((RATE * 20)) "$RATE"
echo "peak RSS of the daemon: $(($(awk '/VmHWM/ {print $2}' "/proc/$DAEMON/status") / 1024)) MiB"
kill -TERM "$DAEMON"
wait "$DAEMON" || true
