#!/usr/bin/env bash
# DigitLab's full test run (the README's test command). Sets up what it needs itself
# (scripts/bootstrap.sh), then runs these stages in order and stops at the first failure:
#
#   setup    tests/setup/*.sh            (bootstrap.sh against an empty third_party reaching only apt
#                                         and npm; scripts/run.sh to a served page, timed)
#   native   configure + build + ctest   (build/native: unit tests, CLI)
#   asan     configure + build + ctest   (build/asan: the unit tests under ASan + UBSan)
#   web      configure + build + ctest   (build/web: the unit tests as WebAssembly under Node)
#   fuzz     configure + build + ctest   (build/fuzz: each libFuzzer target for ~20 s)
#   browser  node tests/browser/run.mjs  (headless Chromium against build/web/dist)
#
# The last line is the summary "N passed, N failed" (stages). MNIST_DIR (the folder with the four
# MNIST .gz files) is passed through to the tests; without it the MNIST-dependent tests are skipped.
# Usage: scripts/test.sh [stage...]   (default: all stages)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

all_stages=(setup native asan web fuzz browser)
if [ $# -gt 0 ]; then stages=("$@"); else stages=("${all_stages[@]}"); fi
for s in "${stages[@]}"; do
  case " ${all_stages[*]} " in *" $s "*) ;; *) echo "test.sh: unknown stage '$s' (stages: ${all_stages[*]})" >&2; exit 2;; esac
done

passed=0
failed=0
skipped=()
summary() {
  echo
  [ ${#skipped[@]} -eq 0 ] || echo "test.sh: skipped (nothing to run yet): ${skipped[*]}"
  echo "$passed passed, $failed failed"
}

banner() { echo; echo "==== test.sh: $* ===="; }

if [ -n "${MNIST_DIR:-}" ]; then
  if [ ! -d "$MNIST_DIR" ]; then
    echo "test.sh: MNIST_DIR=$MNIST_DIR is not a folder; point it at the folder with the four MNIST .gz files" >&2
    summary; exit 1
  fi
  MNIST_DIR="$(cd "$MNIST_DIR" && pwd)"  # absolute: the tests run from other folders
  export MNIST_DIR
  echo "test.sh: MNIST_DIR=$MNIST_DIR"
else
  unset MNIST_DIR
  echo "test.sh: MNIST_DIR is not set: the MNIST-dependent tests are skipped" \
       "(set it to the folder with train-images-idx3-ubyte.gz and the three other MNIST files)"
fi

if [ -n "${PEN_DIGITS:-}" ] && [ ! -f "$PEN_DIGITS" ]; then
  echo "test.sh: PEN_DIGITS=$PEN_DIGITS is not a file; point it at the pen digits' JSON list or unset it" >&2
  summary; exit 1
fi
[ -z "${PEN_DIGITS:-}" ] || { PEN_DIGITS="$(cd "$(dirname "$PEN_DIGITS")" && pwd)/$(basename "$PEN_DIGITS")"; export PEN_DIGITS; }

banner "bootstrap"
if ! scripts/bootstrap.sh; then
  echo "test.sh: FAILED: scripts/bootstrap.sh could not install the dependencies (see above)" >&2
  summary; exit 1
fi

# run_stage NAME COMMAND...: runs one stage; on failure prints which one and stops. A command
# that exits with 3 had nothing to run (counted neither as passed nor as failed).
run_stage() {
  local name="$1"; shift
  banner "$name"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1))
    echo "test.sh: stage $name passed ($((SECONDS - start)) s)"
  elif [ "$rc" = 3 ]; then
    skipped+=("$name")
  else
    failed=$((failed + 1))
    echo "test.sh: FAILED: stage $name (after $((SECONDS - start)) s); the output above says where" >&2
    summary
    exit 1
  fi
}

preset() {  # configure, build and test one CMake preset
  cmake --preset "$1" && cmake --build --preset "$1" && ctest --preset "$1"
}

setup() {  # a fresh clone's set-up: the README's first command must work before anything else
  tests/setup/bootstrap_test.sh && tests/setup/run_test.sh
}

fuzz() {
  if ! ls tests/fuzz/fuzz_*.cpp >/dev/null 2>&1; then
    echo "test.sh: no fuzz targets in tests/fuzz/ yet"
    return 3
  fi
  preset fuzz
}

browser() {
  if [ ! -f tests/browser/run.mjs ]; then
    echo "test.sh: no browser tests (tests/browser/run.mjs) yet"
    return 3
  fi
  if [ ! -d build/web/dist ]; then  # when run alone: the browser tests need the web build
    cmake --preset web && cmake --build --preset web || return 1
  fi
  node tests/browser/run.mjs
}

for s in "${stages[@]}"; do
  case "$s" in
    native|asan|web) run_stage "$s" preset "$s" ;;
    setup) run_stage setup setup ;;
    fuzz) run_stage fuzz fuzz ;;
    browser) run_stage browser browser ;;
  esac
done
summary
