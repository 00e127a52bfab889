#!/usr/bin/env bash
# Broker faults while both stages run (tests/kafka/faults_lib.sh says what every scenario
# checks): a broker down and up, partition leaders moving, group coordinators moving, the whole
# cluster down; a baseline without a fault first. Prints the rows of the table in
# docs/reliability.md. tests/kafka/faults_outage.sh repeats the whole-cluster outage RUNS times
# (by hand: its outcome depends on timing, docs/reliability.md).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"
source "$(dirname "$0")/faults_lib.sh"

fault_setup
scenario "no fault (baseline)" 0 "" ""
scenario "broker 1 down 5 s" 5 "down 1" "up 1"
scenario "partition leaders move" 3 \
  "leader brinkwatch.articles 0 2;leader brinkwatch.articles 1 3;leader brinkwatch.signals 0 3;leader brinkwatch.signals 2 1;leader brinkwatch.alerts 1 2;leader brinkwatch.aggregate-changelog 0 2" ""
scenario "group coordinators move" 3 "coordinator group brinkwatch-detect 3;coordinator group brinkwatch-aggregate 2" ""
scenario "all 3 brokers down 5 s" 5 "down 1;down 2;down 3" "up 1;up 2;up 3"
fault_report
finish
