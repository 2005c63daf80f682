#include "core/Device.h"
#include "core/CpuLoad.h"

#include "core/HostMemory.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <new>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <torch/torch.h>
#include <torch/version.h>
#ifdef UNETLAB_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace unetlab {

namespace {
[[maybe_unused]] int torchCudaDevices() {
    return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
}
}  // namespace

void releaseCachedGpuMemory() {
#ifdef UNETLAB_WITH_CUDA
    if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    releaseKeptCpuBlocks();
}

namespace {
// Index 0 of the allocator's per-pool statistics is the aggregate over all pools
// (StatType::AGGREGATE; the type moved between LibTorch versions, the layout did not).
std::int64_t gpuMemoryBytes([[maybe_unused]] int deviceIndex, [[maybe_unused]] bool reserved) {
#ifdef UNETLAB_WITH_CUDA
    if (deviceIndex < torchCudaDevices()) {
        const auto stats =
            c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(deviceIndex));
        return (reserved ? stats.reserved_bytes : stats.allocated_bytes)[0].current;
    }
#endif
    return 0;
}
}  // namespace

std::int64_t gpuMemoryAllocatedBytes(int deviceIndex) { return gpuMemoryBytes(deviceIndex, false); }
std::int64_t gpuMemoryReservedBytes(int deviceIndex) { return gpuMemoryBytes(deviceIndex, true); }

bool isOutOfMemory(const std::exception &error) {
    if (dynamic_cast<const std::bad_alloc *>(&error)) return true;
    if (dynamic_cast<const c10::OutOfMemoryError *>(&error)) return true;
    const std::string what = error.what();
    return what.find("out of memory") != std::string::npos || what.find("can't allocate memory") != std::string::npos ||
           what.find("Cannot allocate memory") != std::string::npos;
}

int configureThreads(int requested) {
    int n = requested;
    if (n <= 0) {
        if (const char *env = std::getenv("OMP_NUM_THREADS")) n = std::atoi(env);
        if (n <= 0) n = freeCores(static_cast<int>(std::thread::hardware_concurrency()), busyCoresNow());
    }
    at::set_num_threads(n);
    return at::get_num_threads();
}

int currentThreads() { return at::get_num_threads(); }
int interopThreads() { return at::get_num_interop_threads(); }

bool cudaAvailable() { return torch::cuda::is_available(); }

int cudaDeviceCount() { return cudaAvailable() ? static_cast<int>(torch::cuda::device_count()) : 0; }

std::vector<std::string> cudaDeviceNames() {
    std::vector<std::string> names;
    for (int i = 0; i < cudaDeviceCount(); ++i) {
#ifdef UNETLAB_WITH_CUDA
        names.emplace_back(at::cuda::getDeviceProperties(i)->name);
#else
        names.emplace_back("CUDA device " + std::to_string(i));
#endif
    }
    return names;
}

bool torchBuiltWithCuda() {
#ifdef UNETLAB_WITH_CUDA
    return true;
#else
    return false;
#endif
}

std::string resolveDevice(DeviceChoice choice) {
    switch (choice) {
    case DeviceChoice::CPU: return "cpu";
    case DeviceChoice::CUDA:
        if (!cudaAvailable())
            throw std::runtime_error(torchBuiltWithCuda() ? "CUDA was requested but no usable GPU was found"
                                                          : "CUDA was requested but this LibTorch build has no CUDA "
                                                            "support (install a CUDA LibTorch, see README)");
        return "cuda:0";
    case DeviceChoice::Auto: return cudaAvailable() ? "cuda:0" : "cpu";
    }
    return "cpu";
}

std::string describeDevice(const std::string &device) {
    if (device.rfind("cuda", 0) == 0) {
        const int index = device.size() > 5 ? std::atoi(device.c_str() + 5) : 0;
        const auto names = cudaDeviceNames();
        const std::string name = index < static_cast<int>(names.size()) ? names[index] : "GPU";
        return "CUDA " + std::to_string(index) + ": " + name;
    }
    const int t = currentThreads();
    return "CPU, " + std::to_string(t) + (t == 1 ? " thread" : " threads");
}

std::uint64_t availableMemoryBytes() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("MemAvailable:", 0) == 0) return std::strtoull(line.c_str() + 13, nullptr, 10) * 1024;  // kB
    return 0;
}

std::string torchVersion() { return TORCH_VERSION; }

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return "unknown CPU";
}

std::string cpuFeatures() {
    static const char *kInteresting[] = {"avx2",        "fma",         "avx512f",  "avx512bw",
                                         "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile"};
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    std::set<std::string> flags;
    while (std::getline(in, line))
        if (line.rfind("flags", 0) == 0) {
            std::istringstream words(line.substr(line.find(':') + 1));
            std::string w;
            while (words >> w) flags.insert(w);
            break;
        }
    std::string out;
    for (const char *f : kInteresting)
        if (flags.count(f)) out += (out.empty() ? "" : " ") + std::string(f);
    return out.empty() ? "none detected" : out;
}

}  // namespace unetlab
