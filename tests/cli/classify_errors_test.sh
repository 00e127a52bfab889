#!/usr/bin/env bash
# brinkwatch classify on bad input: one output line per input line, an error record with the
# right code for each line it cannot use, a signals record for each good one, and exit status 1
# when any line failed (0 when none did).
# usage: classify_errors_test.sh BRINKWATCH_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
CONFIG="$SRC/config/brinkwatch.yaml"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ---- mixed input ------------------------------------------------------------------------------
IN="$TMP/mixed.jsonl"
{
  printf '{"id": "cut", "title": "truncated\n'                       # 1 invalid_json
  printf '{"id": "u8", "title": "bad \xff\xfe byte"}\n'              # 2 invalid_utf8
  printf '\n'                                                         # 3 empty
  printf '[{"id": "arr", "title": "in an array"}]\n'                  # 4 not_an_object
  printf '{\x00\x01\x9f\x92\xff\xfe\x80garbage\x00}\n'                # 5 binary garbage in braces
  python3 -c 'import sys; sys.stdout.write("{\"id\": \"huge\", \"text\": \"" + "a" * (10 * 1024 * 1024) + "\"}\n")'  # 6 too_large
  printf '{"id": "ok-1", "title": "Harbour reopens", "text": "Ferries resumed service on Monday after repairs."}\n'  # 7 valid
  printf '{"id": "num", "title": 5}\n'                                 # 8 wrong_type
  printf '{"id": "none"}\n'                                            # 9 missing_content
  printf '{"id": "ts", "title": "t", "published_at": "2026-02-30T00:00:00Z"}\n'  # 10 invalid_timestamp
} > "$IN"
in_lines=$(wc -l < "$IN")

"$BIN" classify -c "$CONFIG" "$IN" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 1 ] || fail "exit status $rc on input with bad lines, expected 1"
out_lines=$(wc -l < "$TMP/out")
[ "$out_lines" -eq "$in_lines" ] || fail "$out_lines output lines for $in_lines input lines"
grep -q "9 of 10 lines could not be classified" "$TMP/err" || fail "stderr lacks the error count: $(cat "$TMP/err")"

expect_error() {  # LINE CODE...
  local n=$1; shift
  local line
  line=$(sed -n "${n}p" "$TMP/out")
  for code in "$@"; do
    if [[ "$line" == *"\"code\":\"$code\""* && "$line" == *"\"line\":$n"* ]]; then return; fi
  done
  fail "line $n: expected an error record with code $* and \"line\":$n, got: ${line:0:200}"
}
expect_error 1 invalid_json
expect_error 2 invalid_utf8
expect_error 3 empty
expect_error 4 not_an_object
expect_error 5 invalid_utf8 invalid_json
expect_error 6 too_large
expect_error 8 wrong_type
expect_error 9 missing_content
expect_error 10 invalid_timestamp

ok=$(sed -n 7p "$TMP/out")
[[ "$ok" == *'"id":"ok-1"'* && "$ok" == *'"signals":['* && "$ok" == *'"ruleset":"'* ]] \
  || fail "line 7: expected a signals record for ok-1, got: ${ok:0:200}"
[[ "$ok" != *'"error"'* ]] || fail "line 7: the valid article got an error record"
# Every output line is JSON.
python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    json.loads(line)
' "$TMP/out" || fail "an output line is not valid JSON"

# ---- all-valid input --------------------------------------------------------------------------
{
  printf '{"id": "v1", "title": "Harbour reopens", "text": "Ferries resumed service."}\n'
  printf '{"headline": "Library extends hours", "body": "The city library will open on Sundays."}\n'
  printf 'A plain text line is an article too.\n'
} > "$TMP/valid.jsonl"
"$BIN" classify -c "$CONFIG" < "$TMP/valid.jsonl" > "$TMP/vout" 2> "$TMP/verr"
rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc on all-valid input, expected 0 (stderr: $(cat "$TMP/verr"))"
[ "$(wc -l < "$TMP/vout")" -eq 3 ] || fail "expected 3 output lines on all-valid input"
grep -q '"error"' "$TMP/vout" && fail "an error record on all-valid input: $(cat "$TMP/vout")"
grep -q '"id":"line-3"' "$TMP/vout" || fail "the plain-text line should get id line-3"

# ---- binary garbage outside JSON ---------------------------------------------------------------
# A line that is not JSON is read as plain text, which must be valid UTF-8.
printf '\x89PNG\x1a\x00\x00\xff\xfe\x01binary\n' > "$TMP/garbage.bin"
"$BIN" classify -c "$CONFIG" "$TMP/garbage.bin" > "$TMP/gout" 2>/dev/null
grep -q '"code":"invalid_utf8"' "$TMP/gout" || fail "binary garbage without braces: no invalid_utf8 error record: $(head -c 300 "$TMP/gout")"

if [ "$failures" -ne 0 ]; then
  echo "classify_errors_test: $failures failure(s)"
  exit 1
fi
echo "classify_errors_test: ok"
