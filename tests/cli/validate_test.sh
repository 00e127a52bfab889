#!/usr/bin/env bash
# brinkwatch validate: a broken copy of the shipped config exits 1 with
# "file:line:col: error[code]: message" on stderr; the shipped config exits 0.
# usage: validate_test.sh BRINKWATCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

fresh_copy() {  # a pristine copy of config/ in $TMP/cfg
  rm -rf "$TMP/cfg"
  cp -r "$SRC/config" "$TMP/cfg"
}

# Runs validate from inside the copy, so diagnostics name files relative to it.
validate() {
  (cd "$TMP/cfg" && "$BIN" validate -c brinkwatch.yaml "$@") > "$TMP/out" 2> "$TMP/err"
}

expect_diag() {  # DESCRIPTION PATTERN (grep -E, on stderr)
  if ! grep -Eq "$2" "$TMP/err"; then
    fail "$1: stderr lacks /$2/; stderr was:"
    sed 's/^/    /' "$TMP/err" | head -20
  fi
}

# ---- a rule with an unknown type -------------------------------------------------------------
fresh_copy
cat > "$TMP/cfg/rules/en/zz_broken.yaml" <<'YAML'
lang: en
rules:
  - id: test.broken.type
    type: skirmish
    any: [skirmished]
YAML
validate
rc=$?
[ "$rc" -eq 1 ] || fail "unknown type: exit status $rc, expected 1"
expect_diag "unknown type" '^rules/en/zz_broken\.yaml:4:11: error\[unknown-type\]: rule "test\.broken\.type": unknown signal type "skirmish"'
expect_diag "unknown type" '^brinkwatch\.yaml: invalid$'
[ -s "$TMP/out" ] && fail "unknown type: nothing should go to stdout, got: $(cat "$TMP/out")"

# --json: one JSON object per diagnostic.
validate --json
[ $? -eq 1 ] || fail "--json: expected exit 1"
expect_diag "--json" '^\{"code":"unknown-type","column":11,"file":"rules/en/zz_broken\.yaml","line":4,'

# ---- bad YAML ----------------------------------------------------------------------------------
fresh_copy
printf 'lang: en\nrules:\n  - id: test.broken.yaml\n    type: use_of_force\n    any: [shelled, "unclosed\n' \
  > "$TMP/cfg/rules/en/zz_broken.yaml"
validate
rc=$?
[ "$rc" -eq 1 ] || fail "bad YAML: exit status $rc, expected 1"
expect_diag "bad YAML" '^rules/en/zz_broken\.yaml:[0-9]+:[0-9]+: error\[yaml-syntax\]: '

# ---- an unknown key in the config itself -------------------------------------------------------
fresh_copy
printf 'detect_rules: []\n' >> "$TMP/cfg/brinkwatch.yaml"
line=$(wc -l < "$TMP/cfg/brinkwatch.yaml")
validate
rc=$?
[ "$rc" -eq 1 ] || fail "unknown config key: exit status $rc, expected 1"
expect_diag "unknown config key" "^brinkwatch\\.yaml:$line:1: error\\[unknown-key\\]: unknown key \"detect_rules\" in the config"

# ---- a rules path outside the config folder ----------------------------------------------------
fresh_copy
sed -i 's#- rules/\*/\*\.yaml.*#- ../elsewhere/*.yaml#' "$TMP/cfg/brinkwatch.yaml"
validate
rc=$?
[ "$rc" -eq 1 ] || fail "rules outside the folder: exit status $rc, expected 1"
expect_diag "rules outside the folder" 'error\[outside-config-dir\]: "\.\./elsewhere/\*\.yaml" is outside the config folder'

# ---- TLS and SASL reach librdkafka through kafka: (the example of docs/operations.md) ------------
fresh_copy
sed -i 's#^kafka:$#kafka:\n  security.protocol: SASL_SSL\n  sasl.mechanisms: SCRAM-SHA-512\n  sasl.username: brinkwatch\n  sasl.password: "change-me"\n  ssl.ca.location: /etc/ssl/certs/ca-certificates.crt#' "$TMP/cfg/brinkwatch.yaml"
grep -q "security.protocol: SASL_SSL" "$TMP/cfg/brinkwatch.yaml" || fail "the test could not add the SASL_SSL properties"
validate
rc=$?
[ "$rc" -eq 0 ] || { fail "SASL_SSL config: exit status $rc, expected 0"; sed 's/^/    /' "$TMP/err" | head -5; }
fresh_copy
sed -i 's#^kafka:$#kafka:\n  security.protocol: SASL_TLS#' "$TMP/cfg/brinkwatch.yaml"
validate
rc=$?
[ "$rc" -eq 1 ] || fail "a misspelt security.protocol: exit status $rc, expected 1"
expect_diag "misspelt security.protocol" 'brinkwatch.yaml:[0-9]+:3: error\[bad-kafka-property\]: kafka.security.protocol: Invalid value "SASL_TLS"'

# ---- the shipped config --------------------------------------------------------------------------
"$BIN" validate -c "$SRC/config/brinkwatch.yaml" > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 0 ] || { fail "shipped config: exit status $rc, expected 0"; sed 's/^/    /' "$TMP/err" | head -20; }
grep -Eq ': ok — ruleset [0-9a-f]{12}: [0-9]+ rules, [0-9]+ terms \([0-9]+ patterns\), [0-9]+ place names' "$TMP/out" \
  || fail "shipped config: unexpected summary: $(cat "$TMP/out")"

if [ "$failures" -ne 0 ]; then
  echo "validate_test: $failures failure(s)"
  exit 1
fi
echo "validate_test: ok"
