#!/usr/bin/env bash
# Runs every test: the build, the unit, rule and CLI tests (ctest), then each libFuzzer target
# for a short fixed budget with its seed corpus, then the sanitizer runs (docs/reliability.md),
# two at a time: the unit, rule and CLI tests and a Kafka test under ASan + UBSan, and the thread
# tests (tests/threads: worker pool, offset bookkeeping, reload, /metrics) under TSan (and, with
# BRINKWATCH_TSAN=1, the daemon under TSan in the threaded Kafka tests). Exits non-zero on any
# failure, a sanitizer report included.
#   BRINKWATCH_SKIP_FUZZ=1          skip the fuzz runs (local use; CI runs everything)
#   BRINKWATCH_FUZZ_SECONDS         seconds per fuzz target (default 20)
#   BRINKWATCH_SKIP_SANITIZERS=1    skip the ASan + UBSan and TSan builds and runs (local use)
#   BRINKWATCH_SANITIZER_JOBS       sanitizer runs at a time (default 2)
#   BRINKWATCH_TSAN=1               also build the daemon under TSan and run the threaded Kafka
#                                   tests with it (off until librdkafka's own reports are dealt
#                                   with: docs/reliability.md)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# ctest prints its own "N% tests passed, M tests failed out of T" summary, which CI reads.
# Keep going to the fuzzers when a test fails, so one run reports everything; fail at the end.
status=0
ctest --test-dir build --output-on-failure -j2 || status=1

jobs=$(nproc 2>/dev/null || echo 2)
# The fuzz build: clang, sanitizers and coverage on the libraries, libFuzzer on the targets
# (tests/fuzz/CMakeLists.txt). -Werror is off because clang warns where gcc does not. The same
# folder builds unit_tests and brinkwatch under ASan + UBSan for the sanitizer runs below.
fuzzers=(fuzz_article fuzz_text fuzz_rules fuzz_config)
configure_fuzz_build() {
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBRINKWATCH_FUZZ=ON -DBRINKWATCH_BENCH=OFF -DBRINKWATCH_WERROR=OFF >/dev/null
}

if [[ "${BRINKWATCH_SKIP_FUZZ:-0}" == 1 ]]; then
  echo "test: fuzzing skipped (BRINKWATCH_SKIP_FUZZ=1)"
  fuzzers=()
else
  configure_fuzz_build
  ninja -C build-fuzz -j"$jobs" "${fuzzers[@]}"
fi

seconds="${BRINKWATCH_FUZZ_SECONDS:-20}"
# UBSan reports carry no stack unless asked; the stack is what makes a report actionable.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
for f in "${fuzzers[@]}"; do
  # New inputs go to a scratch corpus in build-fuzz; the seeds under tests/fuzz stay as written.
  work="build-fuzz/fuzz-work/$f"
  mkdir -p "$work/corpus" "$work/artifacts"
  dict=()
  [[ -f "tests/fuzz/$f.dict" ]] && dict=(-dict="tests/fuzz/$f.dict")
  echo "test: fuzzing $f for ${seconds}s"
  if build-fuzz/tests/fuzz/"$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" \
      "$work/corpus" "tests/fuzz/corpus/$f" >"$work/log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|Done)' "$work/log" | sed "s/^/  $f: /" || true
  else
    echo "test: FAIL $f found a crash; input saved in $work/artifacts/" >&2
    tail -n 60 "$work/log" >&2
    status=1
  fi
done

# Every saved reproducer must stay fixed.
for f in "${fuzzers[@]}"; do
  dir="tests/fuzz/regressions/$f"
  if [[ ! -d "$dir" ]] || [[ -z "$(ls -A "$dir")" ]]; then continue; fi
  echo "test: replaying regressions for $f"
  build-fuzz/tests/fuzz/"$f" -runs=0 -artifact_prefix="build-fuzz/fuzz-work/$f/artifacts/" "$dir" >"build-fuzz/fuzz-work/$f/regressions.log" 2>&1 || {
    echo "test: FAIL $f crashes on a saved regression in $dir" >&2
    tail -n 60 "build-fuzz/fuzz-work/$f/regressions.log" >&2
    status=1
  }
done

# ---- Sanitizers (docs/reliability.md) -------------------------------------------------------
# Each run gets its own report folder: the runtimes write every report there (log_path) instead
# of to stderr, where a daemon's report would end in a log the Kafka tests delete. A run fails
# on a non-zero exit or on any report file, whether or not the test itself noticed.
# The runs are independent, so they go two at a time (san_parallel): each one's output is kept
# in its folder and its verdict printed, in the order the runs were started, when the batch ends
# (san_wait); a failure prints the end of its output and its reports then.
san_dir="$PWD/build-sanitizers"
SAN_SUPP="$PWD/tests/sanitizers"
san_parallel="${BRINKWATCH_SANITIZER_JOBS:-2}"
san_runs=()
sanitized() {  # asan|tsan LABEL COMMAND...  (in the background; its verdict in $dir/verdict)
  local kind=$1 label=$2
  shift 2
  local dir="$san_dir/$kind/$label"
  rm -rf "$dir"
  mkdir -p "$dir"
  while (($(jobs -rp | wc -l) >= san_parallel)); do wait -n || true; done
  san_runs+=("$dir")
  (
    rc=0 start=$SECONDS
    # The Kafka tests' deadlines (tests/kafka/lib.sh), for daemons several times slower.
    export BRINKWATCH_TEST_TIMEOUT_SCALE=4
    if [[ $kind == tsan ]]; then
      TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SAN_SUPP/tsan.supp:log_path=$dir/report" \
        "$@" >"$dir/out" 2>&1 </dev/null || rc=$?
    else
      ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$dir/report" \
        LSAN_OPTIONS="suppressions=$SAN_SUPP/lsan.supp" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$dir/report" \
        "$@" >"$dir/out" 2>&1 </dev/null || rc=$?
    fi
    reports=("$dir"/report.*)
    if ((rc)) || [[ -e "${reports[0]}" ]]; then
      {
        echo "test: FAIL $kind $label (exit $rc, $((SECONDS - start)) s); output and reports in $dir"
        tail -n 30 "$dir/out"
        for r in "${reports[@]}"; do
          if [[ -e "$r" ]]; then head -n 80 "$r"; fi
        done
      } >"$dir/verdict"
      touch "$dir/failed"
    else
      echo "test: ok $kind $label ($((SECONDS - start)) s)" >"$dir/verdict"
    fi
  ) &
}
san_wait() {  # waits for every run started, prints their verdicts in order
  wait
  local dir
  for dir in "${san_runs[@]}"; do
    if [[ -e "$dir/failed" ]]; then
      cat "$dir/verdict" >&2
      status=1
    elif [[ -e "$dir/verdict" ]]; then
      cat "$dir/verdict"
    else
      echo "test: FAIL ${dir#"$san_dir"/}: the run left no verdict" >&2
      status=1
    fi
  done
  san_runs=()
}

if [[ "${BRINKWATCH_SKIP_SANITIZERS:-0}" == 1 ]]; then
  echo "test: sanitizers skipped (BRINKWATCH_SKIP_SANITIZERS=1)"
else
  san_start=$SECONDS
  # The builds first, one after another (each uses every core), then every run. A sanitizer
  # build that fails is a failure like any other: reported, and the rest still runs.
  # ASan + UBSan: in build-fuzz, whose libraries are already instrumented for the fuzzers.
  configure_fuzz_build
  asan_ok=0
  ninja -C build-fuzz -j"$jobs" unit_tests brinkwatch && asan_ok=1 ||
    { echo "test: FAIL the ASan + UBSan build (build-fuzz: unit_tests brinkwatch)" >&2; status=1; }
  # TSan: a folder of its own, where every file compiled is instrumented. By default only
  # thread_tests (tests/threads, tests/CMakeLists.txt): the threaded parts that do not need
  # Kafka (the worker pool's hand-offs, the offset bookkeeping, a reload's ruleset swap, the
  # aggregate stage's policy mailbox, /metrics rendered while counted), from the few sources they
  # need, so this build is a few files, not the daemon. -O1 (what the TSan manual suggests) and
  # line tables only (all a report needs).
  tsan_targets=(thread_tests)
  [[ "${BRINKWATCH_TSAN:-0}" == 1 ]] && tsan_targets+=(brinkwatch)
  CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DBRINKWATCH_SANITIZE=thread -DBRINKWATCH_BENCH=OFF -DBRINKWATCH_WERROR=OFF >/dev/null
  tsan_ok=0
  ninja -C build-tsan -j"$jobs" "${tsan_targets[@]}" && tsan_ok=1 ||
    { echo "test: FAIL the TSan build (build-tsan: ${tsan_targets[*]})" >&2; status=1; }
  echo "test: sanitizer builds took $((SECONDS - san_start)) s"

  if ((tsan_ok)); then
    sanitized tsan thread_tests build-tsan/tests/thread_tests --gtest_brief=1
  fi
  if ((asan_ok)); then
    asan_bin=build-fuzz/brinkwatch
    sanitized asan unit_tests build-fuzz/tests/unit_tests --gtest_brief=1
    sanitized asan rule_tests "$asan_bin" test -c config/brinkwatch.yaml tests/rules
    # The CLI tests that reach code the unit and rule tests do not (decoding errors end to end,
    # the aggregator over the samples); validate and the rule-test runner mostly recompile the
    # rules, minutes under ASan for nothing new. Of the Kafka tests, reload: the worker pool,
    # offset bookkeeping and an engine swap under load (an old engine freed while in use would
    # show here).
    for t in classify_errors replay eval_agrees; do
      sanitized asan "cli_${t}_test" bash "tests/cli/${t}_test.sh" "$asan_bin" "$PWD"
    done
    for t in reload; do
      sanitized asan "kafka_${t}_test" bash "tests/kafka/${t}_test.sh" "$asan_bin" "$PWD"
    done
  fi
  # The daemon under TSan, driven by the Kafka tests of the threaded parts: the worker pool and
  # the offset bookkeeping (accounted, graceful: drain and commit on SIGTERM) and a hot reload
  # under load (reload). Opt-in: Debian's librdkafka is not instrumented and TSan reports inside
  # it (docs/reliability.md, "Open: TSan and librdkafka").
  if [[ "${BRINKWATCH_TSAN:-0}" != 1 ]]; then
    echo "test: the daemon's TSan runs skipped (BRINKWATCH_TSAN=1 runs them; docs/reliability.md says why they are off)"
  elif ((tsan_ok)); then
    for t in accounted graceful reload; do
      sanitized tsan "kafka_${t}_test" bash "tests/kafka/${t}_test.sh" build-tsan/brinkwatch "$PWD"
    done
  fi
  san_wait
  echo "test: sanitizer builds and runs took $((SECONDS - san_start)) s"
fi

if ((status)); then
  echo "test: FAILED" >&2
else
  echo "test: all passed"
fi
exit "$status"
