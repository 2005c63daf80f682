#!/bin/sh
# Fuzzes the image/mask loader and the checkpoint reader with libFuzzer (clang, with
# AddressSanitizer + UndefinedBehaviorSanitizer), each for a bounded time:
#
#   tests/fuzz/run.sh [SECONDS]        (default 60 per target; CI runs it as is)
#
# Configures and builds build/fuzz (the "fuzz" preset: only the fuzz targets, no GUI). Every
# input in tests/fuzz/corpus/<target> (seeds and regression inputs, read only) runs first;
# what the fuzzer adds goes to build/fuzz/corpus/<target>, never into git. Exits non-zero on a
# crash, a sanitizer report, a timeout or an out-of-memory, naming the reproducer; re-run one
# with build/fuzz/tests/fuzz/fuzz_<target> FILE. Keep a fixed crash as a regression input by
# copying it into tests/fuzz/corpus/<target>/regress-<what>.<ext>.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=build/fuzz

if ! cmake --preset fuzz >"${TMPDIR:-/tmp}/unetlab-fuzz-configure.log" 2>&1; then
  cat "${TMPDIR:-/tmp}/unetlab-fuzz-configure.log" >&2
  echo "fuzz: configuring $build failed (needs clang and libclang-rt-14-dev: packaging/setup-debian.sh)" >&2
  exit 1
fi
cmake --build "$build" --target fuzz_image fuzz_checkpoint

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
# LeakSanitizer: one known leak in LibTorch (see lsan.supp). Matching it needs full stacks
# through the uninstrumented libtorch_cpu: fast_unwind_on_malloc=0 for fuzz_checkpoint only.
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export OMP_NUM_THREADS=1

status=0
# target, max_len (bytes; the seeds are far smaller), ASAN_OPTIONS
for spec in "image 4096 detect_leaks=1" "checkpoint 32768 detect_leaks=1:fast_unwind_on_malloc=0"; do
  set -- $spec
  name=$1 maxlen=$2
  export ASAN_OPTIONS="$3"
  work="$build/corpus/$name" artifacts="$build/artifacts/$name" log="$build/logs/fuzz_$name.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  rm -f "$artifacts"/*
  echo "fuzz: fuzz_$name for $seconds s (seeds: tests/fuzz/corpus/$name, $(ls tests/fuzz/corpus/$name | wc -l) files)"
  # -close_fd_mask=2: the codecs' and LibTorch's chatter on stderr is dropped; libFuzzer and the
  # sanitizers still report, on a duplicate of stderr.
  rc=0
  "$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len="$maxlen" -timeout=30 \
    -rss_limit_mb=2560 -malloc_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/')
    echo "fuzz: fuzz_$name passed: $runs inputs, $cov"
  else
    status=1
    echo "fuzz: fuzz_$name FAILED (exit $rc); the end of $log:" >&2
    grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)|NEW_FUNC' "$log" | tail -n 60 >&2
    for f in "$artifacts"/*; do
      [ -e "$f" ] || continue
      echo "fuzz: reproducer: $f  (re-run: $build/tests/fuzz/fuzz_$name $f)" >&2
    done
  fi
done
exit "$status"
