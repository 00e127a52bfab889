#!/usr/bin/env bash
# Broker faults while both stages run (tests/kafka/faults_lib.sh says what every scenario
# checks): a broker down and up, partition leaders moving, group coordinators moving; a baseline
# without a fault first. Prints the rows of the table in docs/reliability.md. The whole cluster
# down is tests/kafka/faults_outage.sh, run by hand: it fails intermittently (docs/reliability.md,
# "Open problems").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"
source "$(dirname "$0")/faults_lib.sh"

fault_setup
scenario "no fault (baseline)" 0 "" ""
scenario "broker 1 down 5 s" 5 "down 1" "up 1"
scenario "partition leaders move" 3 \
  "leader brinkwatch.articles 0 2;leader brinkwatch.articles 1 3;leader brinkwatch.signals 0 3;leader brinkwatch.signals 2 1;leader brinkwatch.alerts 1 2;leader brinkwatch.aggregate-changelog 0 2" ""
scenario "group coordinators move" 3 "coordinator group brinkwatch-detect 3;coordinator group brinkwatch-aggregate 2" ""
fault_report
finish
