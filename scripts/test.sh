#!/usr/bin/env bash
# Runs every test: the build, the unit, rule and CLI tests (ctest), then each libFuzzer target
# for a short fixed budget with its seed corpus. Exits non-zero on any failure.
#   BRINKWATCH_SKIP_FUZZ=1   skip the fuzz build and runs (local use; CI runs everything)
#   BRINKWATCH_FUZZ_SECONDS  seconds per fuzz target (default 20)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# ctest prints its own "N% tests passed, M tests failed out of T" summary, which CI reads.
# Keep going to the fuzzers when a test fails, so one run reports everything; fail at the end.
status=0
ctest --test-dir build --output-on-failure -j2 || status=1

if [[ "${BRINKWATCH_SKIP_FUZZ:-0}" == 1 ]]; then
  echo "test: fuzzing skipped (BRINKWATCH_SKIP_FUZZ=1)"
  exit "$status"
fi

# The fuzz build: clang, sanitizers and coverage on the libraries, libFuzzer on the targets
# (tests/fuzz/CMakeLists.txt). -Werror is off because clang warns where gcc does not.
fuzzers=(fuzz_article fuzz_text fuzz_rules fuzz_config)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBRINKWATCH_FUZZ=ON -DBRINKWATCH_BENCH=OFF -DBRINKWATCH_WERROR=OFF
ninja -C build-fuzz -j"$(nproc 2>/dev/null || echo 2)" "${fuzzers[@]}"

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

if ((status)); then
  echo "test: FAILED" >&2
else
  echo "test: all passed"
fi
exit "$status"
