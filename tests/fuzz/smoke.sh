#!/usr/bin/env bash
# tests/fuzz/smoke.sh - the short fuzz run of the test suite (make fuzz-smoke:
# every libFuzzer target over its seed corpus plus 2000 generated inputs),
# reported as one check. Skipped (as passed, with a note) when clang's libFuzzer
# is not installed (Debian: clang libclang-rt-14-dev).
set -u
if ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}' |
     clang -x c -fsanitize=fuzzer -o /tmp/llmcap-fuzz-probe.$$ - >/dev/null 2>&1; then
  echo "note: clang with libFuzzer not found; fuzz smoke run skipped"
  echo "0 passed, 0 failed"
  exit 0
fi
rm -f /tmp/llmcap-fuzz-probe.$$
if out=$(make --no-print-directory fuzz-smoke 2>&1); then
  printf '%s\n' "$out" | grep -E "^Done|DONE" | tail -n 4
  echo "1 passed, 0 failed"
else
  printf '%s\n' "$out" | tail -n 30
  echo "0 passed, 1 failed"
  exit 1
fi
