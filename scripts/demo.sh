#!/usr/bin/env bash
# The one-command tour (for now offline; the Kafka demo comes later): builds brinkwatch, runs
# `brinkwatch classify` over the bundled sample articles and prints, per article, the signals
# found (type, countries, score) and the strongest evidence sentence.
#   bash scripts/demo.sh [ARTICLES.jsonl]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

articles="${1:-config/samples/articles.jsonl}"
setup_log=$(mktemp)
out=$(mktemp)
trap 'rm -f "$setup_log" "$out"' EXIT
# Quiet when all is well; the whole build log when it is not.
if ! bash scripts/setup.sh >"$setup_log" 2>&1; then
  cat "$setup_log" >&2
  echo "demo: setup or build failed" >&2
  exit 1
fi

echo "brinkwatch classify $articles"
echo
# classify exits 1 when some lines are unreadable; those lines are shown as errors below.
build/brinkwatch classify -c config/brinkwatch.yaml "$articles" >"$out" || [[ $? -eq 1 ]]
python3 scripts/summarize.py "$articles" <"$out"
echo
echo "Why a rule fired (or did not): build/brinkwatch classify --explain $articles"
