#!/usr/bin/env bash
# (e) An independent client on both ends: kcat produces the sample articles and reads the
# signals back; the records match `brinkwatch classify`, and each one is a brinkwatch.signal/1
# record keyed by its first region, with the source headers.
source "$(dirname "$0")/lib.sh"

start_broker
cp "$SRC/config/samples/articles.jsonl" "$TMP/in.jsonl"
classify_expected "$TMP/in.jsonl"
start_daemon d1
"$KCAT" -P -b "$BOOT" -t brinkwatch.articles -l "$TMP/in.jsonl" || fail "kcat -P failed"
wait_accounted "the samples' signals" 90 "$TMP/in.jsonl"
account "$TMP/in.jsonl" || fail "kcat-fed samples not accounted for"

read_topic brinkwatch.signals '%k\t%h\t%s\n' >"$TMP/keyed.out"
python3 - "$TMP/keyed.out" "$SRC/docs/schemas/signal.schema.json" <<'PY' || fail "record keys, headers or schema wrong"
import json, sys
try:
    import jsonschema
    validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
except ImportError:  # python3-jsonschema is optional; the structural checks below still run
    validator = None
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    key, hdrs, value = line.rstrip("\n").split("\t", 2)
    r = json.loads(value)
    # One record per region the signal is attributed to, keyed by that region.
    assert key == r["region"], (key, r["region"])
    assert r["region"] in (r["regions"] or ["unlocated"]), (r["region"], r["regions"])
    assert "source.topic=brinkwatch.articles" in hdrs and "source.offset=" in hdrs, hdrs
    assert r["schema"] == "brinkwatch.signal/1" and len(r["fingerprint"]) == 16
    if validator:
        validator.validate(r)
    n += 1
print(f"{n} records keyed by region with source headers")
PY
kill -TERM "$PID_d1"
wait "$PID_d1" || fail "run did not exit 0"
finish
