# Fault injection (sourced after lib.sh and aggregate_lib.sh; docs/reliability.md, "Broker
# faults"). Each scenario runs both stages (`brinkwatch run --role all`) against a three-broker
# embedded cluster whose faults are commanded through a FIFO (`brinkwatch broker --control`),
# and checks:
#  - every input article is accounted for: its signal records or one dead letter
#    (tests/kafka/account.py), duplicates counted;
#  - the aggregate stage's alerts equal those of an uninterrupted reference run (the scenario of
#    tests/kafka/aggregate_check.py gen, fed as signal records): none lost, none new, repeats
#    only under the same id;
#  - the process stays up and exits 0 on SIGTERM.
# The input is produced before the daemon starts (so the producing client, kcat, never meets
# the faults), and the fault is injected once a tenth of the articles are done.
FAULT_ARTICLES=${FAULT_ARTICLES:-1000}
ROWS="$TMP/rows"

# The detect stage's input: articles about Chad in three wordings (a region the alert scenario
# does not use), 3 % malformed.
make_fault_articles() {
  python3 - "$1" "$2" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
texts = [
    "Chad's army said on Tuesday that armoured units were deployed along the frontier with Sudan, officials in N'Djamena said.",
    "Chadian troops shelled rebel positions near the border with Sudan overnight, the defence ministry in N'Djamena said.",
    "Chad's president threatened military action against armed groups crossing from Sudan, according to state radio.",
]
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        if i % 33 == 5:
            f.write('{"id": "fault-%d", "title": "unterminated\n' % i)
            continue
        f.write(json.dumps({"id": f"fault-{i}", "source": f"wire{i % 7}.test", "url": f"https://wire{i % 7}.test/{i}",
                            "published_at": "2026-11-01T10:00:00Z", "lang": "en",
                            "title": "Chad", "text": texts[i % 3] + f" (dispatch {i})"}) + "\n")
PY
}

# fault_account [ARGS]: account.py over the articles' outputs only (the signals topic also holds
# the alert scenario's records, and the dead-letter topic its three unreadable ones).
fault_account() {
  read_outputs
  python3 - "$TMP/signals.out" "$TMP/dead.out" <<'PY'
import json, sys
sig, dead = sys.argv[1], sys.argv[2]
keep = []
for l in open(sig, encoding="utf-8"):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    if isinstance(r, dict) and str(r.get("article_id", "")).startswith("fault-"):
        keep.append(l)
open(sig, "w", encoding="utf-8").writelines(keep)
lines = open(dead, "rb").read().split(b"\n")
open(dead, "wb").write(b"\n".join(l for l in lines if b"source.topic=brinkwatch.articles" in l.partition(b"\t")[0]) + b"\n")
PY
  python3 "$SRC/tests/kafka/account.py" --input "$TMP/articles.jsonl" --classify "$TMP/articles.jsonl.classify" \
    --signals "$TMP/signals.out" --dead "$TMP/dead.out" "$@"
}
fault_accounted() { fault_account --max-duplicate-articles "$FAULT_ARTICLES" --quiet; }

# metric NAME: a sample's value from the scenario daemon's /metrics (empty when unreachable).
metric() {
  python3 - "http://127.0.0.1:$PORT/metrics" "$1" <<'PY'
import sys, urllib.request
try:
    text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
except OSError:
    sys.exit(0)
for line in text.splitlines():
    k, _, v = line.rpartition(" ")
    if k == sys.argv[2]:
        print(v)
PY
}
completed_at_least() { local v; v=$(metric brinkwatch_detect_completed_total); ((${v:-0} >= $1)); }

# control COMMAND: one fault command to the broker (kafka::MockCluster::control), confirmed in its log.
control() {
  echo "$1" >"$CONTROL"
  wait_for "the broker to apply \"$1\"" 10 grep -qF "control: done: $1" "$TMP/broker.log"
}

# scenario NAME SECONDS "INJECT;..." "CLEAR;...": one run; appends a row to $ROWS.
scenario() {
  local name=$1 seconds=$2 inject=$3 clear=$4 before=$failures
  echo "== scenario: $name"
  rm -f "$TMP/boot" "$TMP/broker.log" "$TMP/d.log"
  CONTROL="$TMP/control"
  rm -f "$CONTROL"
  mkfifo "$CONTROL"
  start_broker --set embedded.brokers=3 --control "$CONTROL"
  feed "$TMP/signals.tsv"
  produce "$TMP/articles.jsonl"
  PORT=$(free_port)
  start_daemon d --role all --set http.enabled=true --set "http.listen=127.0.0.1:$PORT" --stats-interval-ms 1000
  wait_for "a tenth of the articles" 90 completed_at_least $((FAULT_ARTICLES / 10))
  local cmd
  IFS=';' read -ra cmds <<<"$inject"
  for cmd in "${cmds[@]}"; do control "$cmd"; done
  sleep "$seconds"
  IFS=';' read -ra cmds <<<"$clear"
  for cmd in "${cmds[@]}"; do [[ -n "$cmd" ]] && control "$cmd"; done
  local cleared=$SECONDS
  POLL_INTERVAL=1 wait_for "every article after $name" 150 fault_accounted
  POLL_INTERVAL=1 wait_for "the reference alerts after $name" 90 scenario_alerts_match
  local recovery=$((SECONDS - cleared))
  kill -0 "$PID_d" 2>/dev/null || fail "$name: the daemon died"
  local summary
  summary=$(fault_account --max-duplicate-articles "$FAULT_ARTICLES") || fail "$name: articles not accounted for"
  echo "$summary"
  local dups
  dups=$(grep -o '[0-9]* articles duplicated' <<<"$summary" | grep -o '^[0-9]*')
  read_alerts "$TMP/alerts.now"
  local alerts
  alerts=$(scenario_alerts_check) || fail "$name: alerts differ from the uninterrupted run"
  echo "$alerts"
  kill -TERM "$PID_d"
  wait "$PID_d"
  local rc=$?
  ((rc == 0)) || fail "$name: exit status $rc after SIGTERM"
  kill "$BROKER_PID" 2>/dev/null
  wait "$BROKER_PID" 2>/dev/null
  local distinct
  distinct=$(grep -o '[0-9]* distinct; reference' <<<"$alerts" | grep -o '^[0-9]*')
  local result=ok
  ((failures > before)) && result=FAILED
  printf '| %s | %s | %s | %s | %s / %s | %s s | %s |\n' "$name" "$FAULT_ARTICLES" "$(accounted_count "$summary")" \
    "${dups:-?}" "${distinct:-?}" "$REF_DISTINCT" "$recovery" "$result" >>"$ROWS"
  cp "$TMP/d.log" "$TMP/$name.d.log"
  cp "$TMP/alerts.now" "$TMP/$name.alerts" 2>/dev/null || true
}

accounted_count() {
  # "N articles: ..." when nothing is missing (account.py fails otherwise).
  if grep -q '^missing\|without a dead letter' <<<"$1"; then echo "incomplete"; else grep -o '^[0-9]* articles' <<<"$1" | grep -o '^[0-9]*'; fi
}

# The run's alerts for the scenario's regions (the articles' regions are not in the reference).
scenario_alerts_filter() {
  python3 - "$TMP/alerts.now" "$TMP/signals.tsv" "$TMP/alerts.scenario" <<'PY'
import json, sys
regions = {l.split("\t", 1)[0] for l in open(sys.argv[2]) if l.strip()}
with open(sys.argv[3], "w") as out:
    for l in open(sys.argv[1]):
        if l.strip():
            a = json.loads(l)
            if a.get("schema") == "brinkwatch.alert/1" and a["region"] in regions:
                out.write(l)
PY
}
scenario_alerts_check() {
  scenario_alerts_filter
  python3 "$AGG_CHECK" alerts --run "$TMP/alerts.scenario" --reference "$TMP/reference.alerts"
}
scenario_alerts_match() {
  read_alerts "$TMP/alerts.now"
  scenario_alerts_check >/dev/null
}

# fault_setup: inputs, the expected classification and the reference alerts.
fault_setup() {
  python3 "$AGG_CHECK" gen "$TMP/signals.tsv" >/dev/null || fail "cannot generate the alert scenario"
  make_fault_articles "$TMP/articles.jsonl" "$FAULT_ARTICLES"
  classify_expected "$TMP/articles.jsonl"
  reference_run "$TMP/signals.tsv" "$TMP/reference.alerts" || finish
  REF_DISTINCT=$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1]) if l.strip()}))' "$TMP/reference.alerts")
  : >"$ROWS"
}

fault_report() {
  echo "| scenario | articles in | accounted for | articles duplicated | alerts (distinct / reference) | recovery | result |"
  echo "|---|---|---|---|---|---|---|"
  cat "$ROWS"
}
