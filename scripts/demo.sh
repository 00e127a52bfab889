#!/usr/bin/env bash
# The one-command tour: builds brinkwatch (installing what is missing), then runs
# `brinkwatch demo`: an embedded Kafka broker, both stages (detect and aggregate), the bundled sample
# articles fed in published_at order on a compressed clock, each signal and alert shown as it
# arrives (watch Venezuela rise to critical and calm down). Exits when every sample is
# processed; Ctrl-C stops everything cleanly.
#   bash scripts/demo.sh [--keep-running] [--speed H]
# --keep-running leaves the broker and the daemon up and prints how to produce into them with
# kcat. The offline table of the earlier demo: build/brinkwatch classify FILE | python3
# scripts/summarize.py FILE.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

setup_log=$(mktemp)
trap 'rm -f "$setup_log"' EXIT
# Quiet when all is well; the whole build log when it is not.
if ! bash scripts/setup.sh >"$setup_log" 2>&1; then
  cat "$setup_log" >&2
  echo "demo: setup or build failed" >&2
  exit 1
fi

rm -f "$setup_log"
trap - EXIT
exec build/brinkwatch demo -c config/brinkwatch.yaml "$@"
