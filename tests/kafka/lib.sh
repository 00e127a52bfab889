# Shared by the Kafka integration tests (sourced). Each test runs its own `brinkwatch broker`
# (the embedded mock cluster, in memory) on a free loopback port, runs daemons against it and
# reads the topics back with kcat, an independent client. Everything started is killed on exit.
# usage of a test: TEST.sh BRINKWATCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
TMP=$(mktemp -d)
CONFIG="$SRC/config/brinkwatch.yaml"
KCAT=$(command -v kcat || command -v kafkacat || true)
failures=0
started=()

cleanup() {
  for p in "${started[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() {
  if ((failures)); then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "ok"
  exit 0
}

if [[ -z "$KCAT" ]]; then
  echo "kcat (Debian package kafkacat) is required: bash scripts/setup.sh installs it" >&2
  exit 1
fi

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds
# (every POLL_INTERVAL seconds when set: reading whole topics back is not free on 2 cores).
# BRINKWATCH_TEST_TIMEOUT_SCALE multiplies SECONDS: scripts/test.sh sets it for the sanitizer
# runs, whose daemons start and run several times slower; a deadline, not an assertion on speed.
wait_for() {
  local what=$1 seconds=$(($2 * ${BRINKWATCH_TEST_TIMEOUT_SCALE:-1}))
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      fail "timed out after ${seconds}s waiting for $what"
      return 1
    fi
    sleep "${POLL_INTERVAL:-0.1}"
  done
}

# wait_accounted DESCRIPTION SECONDS INPUT [ACCOUNT ARGS]: until every article is accounted for.
wait_accounted() {
  local what=$1 seconds=$2
  shift 2
  POLL_INTERVAL=0.5 wait_for "$what" "$seconds" account "$@" --quiet
}

# start_broker [--set embedded.partitions=N]: sets BOOT.
start_broker() {
  "$BIN" broker -c "$CONFIG" --bootstrap-file "$TMP/boot" "$@" >"$TMP/broker.log" 2>&1 &
  started+=($!)
  BROKER_PID=$!
  wait_for "the broker's address" 15 test -s "$TMP/boot" || finish
  BOOT=$(head -1 "$TMP/boot")
}

# start_daemon NAME [--role R] [--set ...]: `brinkwatch run` against the broker (the detect stage
# unless --role says otherwise); sets PID_<NAME>, log in $TMP/NAME.log. The HTTP endpoint is off
# (tests run several daemons at once); --set http.enabled=true --set http.listen=... turns it on.
start_daemon() {
  local name=$1
  shift
  "$BIN" run -c "$CONFIG" --role detect --set "kafka.bootstrap.servers=$BOOT" --set kafka.fetch.wait.max.ms=10 \
    --set kafka.session.timeout.ms=6000 --set kafka.heartbeat.interval.ms=500 \
    --set kafka.auto.commit.interval.ms=20 --set http.enabled=false "$@" >>"$TMP/$name.log" 2>&1 &
  started+=($!)
  printf -v "PID_$name" '%s' "$!"
}

# produce FILE: one message per line into the articles topic (kcat, not our code).
produce() {
  "$KCAT" -P -b "$BOOT" -t brinkwatch.articles -l "$1" || fail "kcat could not produce $1"
}

# read_topic TOPIC FORMAT: every record from the beginning (kcat -e stops at the end).
read_topic() {
  "$KCAT" -C -b "$BOOT" -t "$1" -o beginning -e -q -X fetch.wait.max.ms=10 -f "$2"
}

read_outputs() {
  read_topic brinkwatch.signals '%s\n' >"$TMP/signals.out"
  read_topic brinkwatch.dead-letter '%h\t%s\n' >"$TMP/dead.out"
}

# account INPUT [ARGS]: every article of INPUT accounted for in the outputs (tests/kafka/account.py).
account() {
  local input=$1
  shift
  read_outputs
  python3 "$SRC/tests/kafka/account.py" --input "$input" --classify "$input.classify" \
    --signals "$TMP/signals.out" --dead "$TMP/dead.out" "$@"
}

# classify_expected INPUT: the offline answer, INPUT.classify.
classify_expected() {
  "$BIN" classify -c "$CONFIG" "$1" >"$1.classify" 2>/dev/null
  [[ -s "$1.classify" ]] || fail "classify produced nothing for $1"
}

# free_port: a loopback TCP port nobody listens on (now).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_input FILE N BAD_PERCENT TAG: N articles from the samples with unique ids, BAD_PERCENT of
# them malformed in the ways the decoder names (each line starts like JSON, as producers send).
make_input() {
  python3 - "$SRC/config/samples/articles.jsonl" "$1" "$2" "$3" "$4" <<'PY'
import json, sys
samples = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
out, n, bad, tag = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
broken = [
    b'{"id": "%s", "title": "unterminated',
    b'[1, 2, "%s"]',
    b'{"id": "%s-nocontent"}',
    b'{"id": "%s-ts", "text": "Troops massed on the border.", "published_at": "last Tuesday"}',
    b'{"id": "%s-type", "text": 42}',
    b'{"id": "%s-utf8", "text": "caf\xe9 \xff\xfe"}',
    b'{"id": "%s-deep", "x": ' + b'[' * 100 + b']' * 100 + b', "text": "a"}',
]
with open(out, "wb") as f:
    for i in range(n):
        if bad and i % (100 // bad) == 7:
            line = broken[(i // 10) % len(broken)]
            if b"%s" in line:
                line = line.replace(b"%s", f"{tag}-{i}".encode())
            f.write(line + b"\n")
            continue
        a = dict(samples[i % len(samples)])
        a["id"] = f"{tag}-{i}-{a['id']}"
        f.write(json.dumps(a, ensure_ascii=False).encode() + b"\n")
PY
}
