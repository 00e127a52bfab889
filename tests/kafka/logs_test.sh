#!/usr/bin/env bash
# Logs and secrets (`brinkwatch run --role all`, log.format json, debug level, librdkafka's own
# debug contexts for configuration and security on):
#  - every line on stderr is one JSON object with ts, level, component and msg, and the
#    components of the stages, Kafka, reload and start-up all appear;
#  - configured secrets (sasl.password in the file, ssl.key.password by --set) appear nowhere:
#    not in the log, not in /metrics, not in `validate --print-config`, not in the reload event a
#    changed password causes (refused, by key) on the alerts topic.
source "$(dirname "$0")/lib.sh"

cp -r "$SRC/config" "$TMP/conf"
CONFIG="$TMP/conf/brinkwatch.yaml"
FILE_SECRET="file-secret-$RANDOM$RANDOM"
SET_SECRET="set-secret-$RANDOM$RANDOM"
NEW_SECRET="rotated-secret-$RANDOM$RANDOM"
# The password goes into the config file's kafka: section (unused without SASL, as here).
sed -i "s/^kafka:$/kafka:\n  sasl.password: \"$FILE_SECRET\"/" "$CONFIG"
grep -q "sasl.password: \"$FILE_SECRET\"" "$CONFIG" || fail "the test could not put a password in the config"
PORT=$(free_port)

make_input "$TMP/in.jsonl" 200 10 logs
start_broker
start_daemon d --role all -v --set log.format=json --set "kafka.ssl.key.password=$SET_SECRET" \
  --set kafka.debug=conf,security,generic --set http.enabled=true --set "http.listen=127.0.0.1:$PORT" \
  --set reload.interval=300ms
wait_for "the detect stage's partitions" 60 grep -q '"component":"kafka".*assigned' "$TMP/d.log"
produce "$TMP/in.jsonl"
classify_expected "$TMP/in.jsonl"
wait_accounted "every article" 90 "$TMP/in.jsonl"

# A rotated password is a restart-only change: refused by key, the value never shown.
sed -i "s/$FILE_SECRET/$NEW_SECRET/" "$CONFIG"
wait_for "the refused reload" 60 grep -q '"component":"reload".*kafka.sasl.password changed' "$TMP/d.log"
python3 - "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics" <<'PY' || fail "no /metrics"
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
PY
"$BIN" validate -c "$CONFIG" --set "kafka.ssl.key.password=$SET_SECRET" --print-config >"$TMP/effective" 2>&1 \
  || fail "validate --print-config failed"
grep -q 'sasl.password: "\[redacted\]"' "$TMP/effective" || fail "the effective config does not show the redacted key"
read_topic brinkwatch.alerts '%k %s\n' >"$TMP/alerts"
grep -q '^~brinkwatch .*kafka.sasl.password' "$TMP/alerts" || fail "no reload event naming kafka.sasl.password"

kill -TERM "$PID_d"
wait "$PID_d"
rc=$?
[[ $rc == 0 ]] || fail "exit status $rc after SIGTERM"

for s in "$FILE_SECRET" "$SET_SECRET" "$NEW_SECRET"; do
  for f in d.log metrics effective alerts; do
    if grep -qF "$s" "$TMP/$f"; then fail "secret ${s%%-*}… printed in $f: $(grep -F "$s" "$TMP/$f" | head -c 300)"; fi
  done
done

python3 - "$TMP/d.log" <<'PY' || fail "the log is not JSON lines with the operator's fields"
import json, sys
components, levels, n = set(), set(), 0
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    rec = json.loads(line)
    assert {"ts", "level", "component", "msg"} <= rec.keys(), f"line {i}: {line[:200]}"
    assert rec["ts"].endswith("Z") and "T" in rec["ts"], rec["ts"]
    assert "\n" not in line.rstrip("\n")
    components.add(rec["component"])
    levels.add(rec["level"])
    n += 1
need = {"run", "detect", "aggregate", "kafka", "reload"}
assert need <= components, f"components seen: {sorted(components)}"
assert {"debug", "info", "error"} <= levels, f"levels seen: {sorted(levels)}"
print(f"{n} JSON log lines; components {sorted(components)}")
PY
finish
