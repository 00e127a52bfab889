#!/usr/bin/env bash
# brinkwatch test: a case with a wrong expectation fails with its file:line and name (exit 1);
# a correct case passes (exit 0, "1 passed, 0 failed"). The texts are deliberately far from any
# escalation language so the outcome does not depend on the state of the shipped rules.
# usage: rule_test_runner_test.sh BRINKWATCH_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
CONFIG="$SRC/config/brinkwatch.yaml"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
show() { sed 's/^/    /' "$1" | head -20; }

# ---- a wrong expectation -------------------------------------------------------------------------
cat > "$TMP/wrong.yaml" <<'YAML'
# line 1
cases:
  - name: library hours are not a war
    text: "The city library will open on Sundays from next month, the council said."
    expect: []

  - name: deliberately wrong expectation
    text: "The city library will open on Sundays from next month, the council said."
    expect:
      - type: use_of_force
YAML
"$BIN" test -c "$CONFIG" "$TMP/wrong.yaml" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 1 ] || { fail "wrong expectation: exit status $rc, expected 1"; show "$TMP/out"; show "$TMP/err"; }
grep -qxF "FAIL $TMP/wrong.yaml:7:5: deliberately wrong expectation" "$TMP/out" \
  || { fail "wrong expectation: no FAIL line naming $TMP/wrong.yaml:7:5 and the case"; show "$TMP/out"; }
grep -qF "missing use_of_force" "$TMP/out" || { fail "wrong expectation: the problem is not said"; show "$TMP/out"; }
grep -qF "1 passed, 1 failed" "$TMP/out" || { fail "wrong expectation: bad summary"; show "$TMP/out"; }
grep -qF "library hours are not a war" "$TMP/out" && fail "the passing case should not be listed without -v"

# ---- a correct expectation -----------------------------------------------------------------------
cat > "$TMP/right.yaml" <<'YAML'
cases:
  - name: library hours are not a war
    text: "The city library will open on Sundays from next month, the council said."
    expect: []
YAML
"$BIN" test -c "$CONFIG" "$TMP/right.yaml" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || { fail "correct expectation: exit status $rc, expected 0"; show "$TMP/out"; show "$TMP/err"; }
grep -qF "1 passed, 0 failed" "$TMP/out" || { fail "correct expectation: no \"1 passed, 0 failed\""; show "$TMP/out"; }

# -v lists passing cases.
"$BIN" test -c "$CONFIG" -v "$TMP/right.yaml" > "$TMP/out" 2>&1
grep -qxF "ok   library hours are not a war" "$TMP/out" || { fail "-v: passing case not listed"; show "$TMP/out"; }

# ---- a malformed case file -----------------------------------------------------------------------
printf 'cases:\n  - name: no text\n    expect: []\n' > "$TMP/bad.yaml"
"$BIN" test -c "$CONFIG" "$TMP/bad.yaml" > "$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "malformed case: exit status $rc, expected 1"
grep -qF "$TMP/bad.yaml:2:5: error[bad-case]: \"no text\" needs text:" "$TMP/out" || { fail "malformed case: no bad-case diagnostic"; show "$TMP/out"; }

# ---- no files ------------------------------------------------------------------------------------
"$BIN" test -c "$CONFIG" > /dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "no test files: exit status $rc, expected 2"

if [ "$failures" -ne 0 ]; then
  echo "rule_test_runner_test: $failures failure(s)"
  exit 1
fi
echo "rule_test_runner_test: ok"
