#!/bin/sh
# Sanitizer builds of the tests, with a one-line summary per run:
#
#   tests/sanitize/run.sh [asan] [tsan]      (default: both)
#
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (the "asan" presets, build/asan):
#         every test of engine_core_tests and engine_torch_tests; any report fails its test.
#   tsan  ThreadSanitizer (the "tsan" presets, build/tsan): the tests that run threads of
#         ours: the trainer's batch prefetch (engine_torch_tests Trainer*, ExecutionPlan*)
#         and, with `tsan-gui`, the GUI's engine thread (widget_tests Engine*, InspectEngine*,
#         CompareEngine*; builds the whole GUI).
#
# Only the named test targets are built. Tests run through ctest, one process per test as in
# CI (a test that forks must not inherit another test's OpenMP pool), with the sanitizer
# options of the test presets (CMakePresets.json) and the suppressions here (*.supp, each
# explained). Logs: build/<preset>/sanitize-*.log. Measured times: README, "Checkers".
set -eu
cd "$(dirname "$0")/../.."
modes=${*:-asan tsan}
status=0
summary=""

note() {
  summary="$summary
  $1"
  echo "sanitize: $1"
}

build() {
  preset=$1
  shift
  t0=$(date +%s)
  cmake --preset "$preset" >/dev/null
  cmake --build "build/$preset" --target "$@"
  note "$preset: built $* in $(( $(date +%s) - t0 )) s"
}

# check NAME PRESET CTEST-ARGS...: runs the tests (only those of the built executables).
check() {
  name=$1 preset=$2
  shift 2
  log="build/$preset/sanitize-$(echo "$name" | tr -c 'a-z0-9\n' '-').log"
  t0=$(date +%s)
  rc=0
  ctest --preset "$preset" -E '_NOT_BUILT$' -j 2 "$@" >"$log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - t0 ))
  result=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -n 1)
  reports=$(grep -c -E '(ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error: )' "$log" || true)
  if [ "$rc" -eq 0 ] && [ "$reports" -eq 0 ]; then
    note "$name: passed ($result; no sanitizer reports) in $secs s"
  else
    status=1
    note "$name: FAILED ($result; $reports sanitizer reports) in $secs s; log: $log"
    grep -E -A 40 '(ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error: )' "$log" | head -n 120 >&2 || true
    grep -E '^[[:space:]]+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)\)' "$log" >&2 || true
  fi
}

for mode in $modes; do
  case $mode in
  asan)
    build asan engine_core_tests engine_torch_tests engine_memory_tests
    check "asan engine tests" asan
    ;;
  tsan | tsan-gui)
    if [ "$mode" = tsan ]; then
      build tsan engine_torch_tests
      check "tsan trainer threads" tsan -R '^(Trainer|ExecutionPlan)'
    else
      build tsan widget_tests
      check "tsan engine thread (GUI)" tsan -R '^(Engine|InspectEngine|CompareEngine)\.'
    fi
    ;;
  *)
    echo "sanitize: unknown mode '$mode' (asan, tsan or tsan-gui)" >&2
    exit 2
    ;;
  esac
done
echo "sanitize: summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores):$summary"
exit "$status"
