#!/usr/bin/env bash
# Request errors and slow brokers while both stages run (tests/kafka/faults_lib.sh says what
# every scenario checks): Produce, Fetch, OffsetCommit and Heartbeat requests failing with
# retriable broker errors, and a 500 ms round trip on every broker. Prints the rows of the
# table in docs/reliability.md.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/aggregate_lib.sh"
source "$(dirname "$0")/faults_lib.sh"

fault_setup
scenario "Produce errors (60)" 2 "errors Produce 40 NOT_LEADER_FOR_PARTITION;errors Produce 20 REQUEST_TIMED_OUT" ""
scenario "Fetch errors (40)" 2 "errors Fetch 40 NOT_LEADER_FOR_PARTITION" ""
scenario "OffsetCommit errors (40)" 3 "errors OffsetCommit 30 REQUEST_TIMED_OUT;errors OffsetCommit 10 NOT_COORDINATOR" ""
scenario "Heartbeat: rebalance forced" 3 "errors Heartbeat 4 REBALANCE_IN_PROGRESS" ""
scenario "500 ms round trip, 5 s" 5 "rtt 1 500;rtt 2 500;rtt 3 500" "rtt 1 0;rtt 2 0;rtt 3 0"
fault_report
finish
