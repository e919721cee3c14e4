#!/usr/bin/env bash
# fuzz_all.sh — runs every libFuzzer target (tests/fuzz/) for SECONDS each, one after the other, and
# prints a table: target, seconds, executions, crashes, over-budget allocations. Not part of CI (it
# is long: 9 targets x 10 minutes by default); CI runs each target for DIGITLAB_FUZZ_SECONDS.
#
#   scripts/fuzz_all.sh [SECONDS] [TARGET...]     SECONDS defaults to 600; TARGETs default to all
#   DIGITLAB_FUZZ_TIMEOUT=120                      seconds one input may take before it counts as a hang
#
# It builds the fuzz preset, then runs each target with the flags ctest uses (tests/fuzz/CMakeLists.txt:
# -malloc_limit_mb at the page's 256 MiB budget, -rss_limit_mb=2048, the target's -max_len), its
# -max_total_time replaced by SECONDS. The working corpora in build/fuzz/tests/fuzz/corpus/ grow
# from run to run. A crash, a timeout or a leak counts as a crash; an allocation beyond the budget
# (libFuzzer's "out-of-memory") as over-budget; either leaves its input in
# build/fuzz/tests/fuzz/artifacts/ and the log in build/fuzz/long/<target>.log. Exit code 0 only if
# every target ran with no crash and no over-budget allocation.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-600}"
# An input that runs longer than this is a hang. CI's 25 s is too short for a long run beside other
# work: the largest networks the page's budget allows, trained on a batch of 1,024 under ASan, take
# 5-10 s on a busy 2-core machine and several times that when the fuzzer gets little of a core.
timeout="${DIGITLAB_FUZZ_TIMEOUT:-120}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "fuzz_all.sh: SECONDS must be a whole number of seconds, got '$seconds'" >&2
  exit 2
fi

cmake --preset fuzz > /dev/null && cmake --build --preset fuzz || { echo "fuzz_all.sh: the fuzz build failed" >&2; exit 1; }
logs="build/fuzz/long"
mkdir -p "$logs"

# Each test's command line as ctest has it, one per line: NAME<TAB>ARG<TAB>ARG...
commands="$(ctest --test-dir build/fuzz --show-only=json-v1 | node -e '
  const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const t of j.tests) console.log([t.name, ...t.command].join("\t"));')"
if [ -z "$commands" ]; then echo "fuzz_all.sh: ctest lists no fuzz targets" >&2; exit 1; fi

wanted=("$@")
rows=()
bad=0
while IFS=$'\t' read -r -a cmd; do
  name="${cmd[0]}"
  if [ ${#wanted[@]} -gt 0 ] && [[ " ${wanted[*]} " != *" $name "* ]]; then continue; fi
  args=()
  for a in "${cmd[@]:1}"; do
    case "$a" in
      -max_total_time=*) args+=("-max_total_time=$seconds") ;;
      -timeout=*) args+=("-timeout=$timeout") ;;
      *) args+=("$a") ;;
    esac
  done
  log="$logs/$name.log"
  echo "fuzz_all.sh: $name for $seconds s (log: $log)" >&2
  start=$SECONDS
  "${args[@]}" > "$log" 2>&1
  rc=$?
  took=$((SECONDS - start))
  execs="$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+$')"
  [ -n "$execs" ] || execs="$(grep -Eo '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')"
  over=$(grep -c 'ERROR: libFuzzer: out-of-memory' "$log")
  crashes=$(grep -Ec 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer: (deadly signal|timeout|fuzz target exited))|runtime error:' "$log")
  if [ "$rc" != 0 ] && [ "$over" = 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi  # any other failure
  [ "$crashes" = 0 ] && [ "$over" = 0 ] || bad=1
  rows+=("$(printf '%-22s %8s %14s %8s %12s' "$name" "$took" "${execs:-?}" "$crashes" "$over")")
done <<< "$commands"

printf '\n%-22s %8s %14s %8s %12s\n' "target" "seconds" "executions" "crashes" "over-budget"
for r in "${rows[@]}"; do echo "$r"; done
exit $bad
