#!/usr/bin/env bash
# brinkwatch eval agrees with the reference scorer: its output on a small invented gold file and
# predictions file must equal, byte for byte, fixtures/eval_expected.txt.
#
# eval_expected.txt was generated once by hand with the reference scorer of the evaluation sets
# (score.py, kept outside this repository):
#     score.py tests/cli/fixtures/eval_gold.jsonl tests/cli/fixtures/eval_pred.jsonl \
#         > tests/cli/fixtures/eval_expected.txt
# Regenerate it the same way whenever the fixtures change. This test never needs score.py.
#
# The fixtures (14 invented articles) cover: several types, no-signal articles (empty list,
# "signals": null, no signals key, only an unknown type), country mismatches, a gold signal with
# no countries, a predicted signal with "countries": null, one article missing from the
# predictions, one prediction not in the gold file, and a numeric id in gold matched by a string
# id in the predictions.
# usage: eval_agrees_test.sh BRINKWATCH_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
FIX="$SRC/tests/cli/fixtures"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$BIN" eval -c "$SRC/config/brinkwatch.yaml" --gold "$FIX/eval_gold.jsonl" --pred "$FIX/eval_pred.jsonl" \
  > "$TMP/out" 2> "$TMP/err"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL: brinkwatch eval exited $rc"
  cat "$TMP/err"
  exit 1
fi
if ! cmp -s "$FIX/eval_expected.txt" "$TMP/out"; then
  echo "FAIL: brinkwatch eval output differs from fixtures/eval_expected.txt (score.py's):"
  diff "$FIX/eval_expected.txt" "$TMP/out"
  exit 1
fi

# Argument errors exit 2.
"$BIN" eval > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: eval without --gold should exit 2"; exit 1; }
"$BIN" eval --gold "$TMP/absent.jsonl" --pred "$FIX/eval_pred.jsonl" > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: eval with a missing gold file should exit 2"; exit 1; }

echo "eval_agrees_test: ok"
