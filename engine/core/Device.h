#pragma once
// Compute device and thread set-up, and facts about the machine (no LibTorch in this header).

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "train/TrainConfig.h"

namespace unetlab {

// Sets LibTorch's intra-op threads. requested <= 0 means automatic: OMP_NUM_THREADS when
// set, else the logical CPUs that other programs leave free (core/CpuLoad.h; sampled for
// 0.1 s, at least 1). Returns the number now in use.
int configureThreads(int requested);
int currentThreads();
int interopThreads();  // LibTorch's inter-op pool (unused by the engine's models)

bool cudaAvailable();
int cudaDeviceCount();
std::vector<std::string> cudaDeviceNames();  // empty without CUDA

// "cpu" or "cuda:0". Throws std::runtime_error when CUDA is asked for but not usable.
std::string resolveDevice(DeviceChoice choice);
// For people: "CPU, 2 threads" or "CUDA 0: NVIDIA H100 80GB HBM3".
std::string describeDevice(const std::string &device);

// Hands the memory LibTorch's CUDA allocator keeps cached back to the driver (after a model
// is closed, or after running out of memory), and the CPU blocks kept for reuse back to the
// system (core/HostMemory.h).
void releaseCachedGpuMemory();

// Bytes LibTorch's CUDA allocator holds on `deviceIndex` (allocated: in live tensors;
// reserved: also the cache that releaseCachedGpuMemory hands back). 0 without CUDA.
std::int64_t gpuMemoryAllocatedBytes(int deviceIndex = 0);
std::int64_t gpuMemoryReservedBytes(int deviceIndex = 0);

// Running out of memory, as LibTorch and C++ report it: std::bad_alloc, CUDA's
// OutOfMemoryError, or the CPU allocator's "can't allocate memory".
bool isOutOfMemory(const std::exception &error);

// MemAvailable of /proc/meminfo in bytes (what can be allocated without swapping); 0 if unknown.
std::uint64_t availableMemoryBytes();

std::string torchVersion();
std::string cpuModel();
// SIMD features that matter to LibTorch's kernels, e.g. "avx2 avx512f avx512_bf16 amx_bf16".
std::string cpuFeatures();
bool torchBuiltWithCuda();

}  // namespace unetlab
