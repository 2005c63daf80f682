#!/usr/bin/env bash
# The engine on a CUDA GPU (README, "CUDA"): builds unetlab-cli and the engine tests against
# a CUDA LibTorch (by default the one inside python3's PyTorch), then on the GPU
#   1. unetlab-cli info                      the device and LibTorch it sees
#   2. engine tests Cuda.*                    training, fp16/bf16 AMP with loss scaling, plan
#                                             choice, memory handed back, out-of-memory advice
#   3. unetlab-cli train (out of memory)      one-line error and exit status 1
#   4. unetlab-cli bench --device cuda        engine vs PyTorch's Python API on the same GPU
#   5. unetlab-cli train on sample:nuclei     nucleus Dice against seconds (metrics CSV)
#   6. the other engine tests                 the same LibTorch version on the CPU
# Debian's LibTorch has no CUDA, so CI cannot run this; every Cuda.* test skips there.
#
#   tests/cuda/run.sh [LOG_DIR]
# Environment: TORCH_PREFIX (LibTorch's cmake folder; default from python3's torch),
# UNETLAB_DEPS_PREFIX (extra CMake prefix: OpenCV, nlohmann_json, GTest when not installed),
# UNETLAB_PYTHON (python3 with torch, for the bench peer and the Python-reference tests),
# BUILD_DIR (default build/cuda), STEPS (default "1 2 3 4 5 6").
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
log=${1:-$src/build/cuda-logs}
build=${BUILD_DIR:-$src/build/cuda}
steps=${STEPS:-1 2 3 4 5 6}
python=${UNETLAB_PYTHON:-$(command -v python3)}
export UNETLAB_PYTHON=$python
mkdir -p "$log"
say() { printf '\n== %s  [%s]\n' "$*" "$(date +%T)"; }

command -v nvcc >/dev/null || export PATH=/usr/local/cuda/bin:$PATH
torch_prefix=${TORCH_PREFIX:-$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')}
say "configure against $torch_prefix"
nvidia-smi -L 2>/dev/null; g++ --version | head -1; cmake --version | head -1; nvcc --version 2>/dev/null | tail -1
"$python" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DUNETLAB_BUILD_GUI=OFF \
  -DCMAKE_PREFIX_PATH="${UNETLAB_DEPS_PREFIX:+$UNETLAB_DEPS_PREFIX;}$torch_prefix" -DUNETLAB_PYTHON="$python" \
  >"$log/configure.log" 2>&1 || { tail -40 "$log/configure.log"; exit 1; }
grep -iE "cuda|torch" "$log/configure.log" | grep -v "^--   " | head -8
say "build"
cmake --build "$build" -j"$(nproc)" --target unetlab-cli engine_torch_tests -- -k 0 >"$log/build.log" 2>&1 \
  || { grep -E "error|Error" "$log/build.log" | sort -u | head -80; exit 1; }
cli=$build/app/unetlab-cli
tests=$build/tests/engine_torch_tests
export UNETLAB_CACHE_DIR=$log/cache
status=0

for step in $steps; do
  case $step in
  1) say "1. unetlab-cli info"
     "$cli" info || status=1 ;;
  2) say "2. engine tests on the GPU"
     timeout 300 "$tests" --gtest_filter='Cuda.*' 2>&1 | tee "$log/cuda-tests.log" | grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) |Failure|Expected|Which is|error" 
     grep -q "FAILED" "$log/cuda-tests.log" && status=1 ;;
  3) say "3. out of GPU memory from the command line (expect exit 1 and one line)"
     timeout 120 "$cli" train --model unet --data synthetic:80 --size 1024 --batch 64 --epochs 1 --device cuda \
       --precision fp32 --autosave off --quiet >"$log/oom.out" 2>"$log/oom.err"
     rc=$?
     echo "exit $rc"; cat "$log/oom.err"
     [ "$rc" = 1 ] && grep -q "out of memory" "$log/oom.err" || status=1 ;;
  4) say "4. bench on the GPU"
     timeout 400 "$cli" bench --device cuda --json 2>&1 | tee "$log/bench.txt" | grep -v '^{' ;;
  5) say "5. small-unet on sample:nuclei on the GPU: nucleus Dice against seconds"
     timeout 300 "$cli" train --model small-unet --data sample:nuclei --device cuda --epochs ${EPOCHS:-30} \
       --schedule one-cycle --lr 3e-3 --loss ce+dice --augment flip,rot90 --autosave off --quiet \
       --log "$log/dsb-cuda.csv" --json >"$log/dsb-cuda.json" 2>"$log/dsb-cuda.err" || { status=1; tail -3 "$log/dsb-cuda.err"; }
     awk -F, '{printf "%-7s %-18s %s\n", $1, $6, $12}' "$log/dsb-cuda.csv" | head -40 ;;
  6) say "6. the other engine tests with this LibTorch (CPU)"
     CUDA_VISIBLE_DEVICES= timeout 400 "$tests" --gtest_filter="${TEST_FILTER:--Cuda.*}" 2>&1 | tee "$log/engine-tests.log" | grep -E "^\[ *(FAILED|PASSED) |tests ran" ;;
  esac
done
say "done (status $status)"
exit $status
