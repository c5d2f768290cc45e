#!/usr/bin/env bash
# Fuzzes every file loader for a bounded time: builds the `fuzz` preset (clang, libFuzzer, address and
# undefined-behaviour sanitizers; installs clang-14 and its runtime when missing), then runs each target for
# SECONDS (default 60), starting from the committed corpus. Exits 1 when any target finds an input that crashes,
# hangs (10 s) or escapes with anything but an InputError; the input is copied into tests/fuzz/findings/.
# Keep each finding as a regression case: fix the loader, then move the file to tests/fuzz/regressions/<target>/.
#
#   tests/fuzz/run-fuzzers.sh [SECONDS]   fuzz each target for SECONDS (default 60) with a random seed
#   tests/fuzz/run-fuzzers.sh --runs N     N inputs per target from seed 1: the same inputs on every machine (CI)
set -euo pipefail
limit=(-max_total_time="${1:-60}")
what="${1:-60} s"
if [ "${1:-}" = --runs ]; then
  limit=(-runs="${2:?--runs needs a count}" -seed=1)
  what="${2} inputs from seed 1"
fi
cd "$(dirname "$0")/../.."

bash packaging/install-missing.sh clang-14 libclang-rt-14-dev

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p tests/fuzz/findings
for dir in tests/fuzz/corpus/*/; do
  name=$(basename "$dir")
  mkdir -p "$work/$name"
  cp "$dir"* "$work/$name/"
  echo "fuzzing $name: $what"
  if ! build/fuzz/tests/fuzz/fuzz_"$name" "$work/$name" "tests/fuzz/regressions/$name" \
      "${limit[@]}" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="tests/fuzz/findings/$name-" >"$work/$name.log" 2>&1; then
    echo "fuzz_$name FOUND A PROBLEM:"
    grep -E "ERROR|SUMMARY|Test unit written|terminate called|what\(\)" "$work/$name.log" | head -20
    failed=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$work/$name.log" | tail -2
  fi
done
exit $failed
