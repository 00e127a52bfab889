#!/usr/bin/env bash
# The whole embedded cluster down for 5 s while both stages run, RUNS times (default 3), with the
# checks of tests/kafka/faults_lib.sh. faults_broker_test.sh runs this scenario once; whether the
# stages lose their partitions and read input again depends on timing, so this repeats it (by
# hand, not in the suite; docs/reliability.md, "The whole cluster down"):
#   RUNS=5 AGG_KEEP=/tmp/outage bash tests/kafka/faults_outage.sh build/brinkwatch .
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"
source "$(dirname "$0")/faults_lib.sh"

fault_setup
for ((i = 1; i <= ${RUNS:-3}; i++)); do
  scenario "all 3 brokers down 5 s (run $i)" 5 "down 1;down 2;down 3" "up 1;up 2;up 3"
done
fault_report
finish
