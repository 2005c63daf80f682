#pragma once
// LibTorch's CPU tensors, allocated so a training step's large buffers are reused by the next
// step (no LibTorch in this header).
//
// With glibc's defaults every block over its mmap threshold (at most 32 MiB; 64 MiB in any
// thread but the first) is mapped when a tensor needs it and unmapped when the tensor dies, so
// each step faults hundreds of megabytes of fresh zeroed pages in: on a 2-core CPU that is a
// third of SmallUNet's fp32 training step. The reusing allocator keeps the blocks of 1 MiB and
// more that tensors free, by exact size, and hands them to the next tensor of that size; a
// training step asks for the same sizes as the one before, so after the first step nothing is
// mapped. The Trainer returns the kept blocks to the system whenever it switches between
// training and validation (they ask for different sizes), and closing a model does too
// (releaseCachedGpuMemory), so the peak memory stays that of the live tensors. Smaller blocks
// go to LibTorch's own allocator.

#include <cstdint>

namespace unetlab {

// Makes the reusing allocator LibTorch's CPU allocator, once, first thing in main() (tensors
// made before keep their own allocator). Does nothing when UNETLAB_ALLOCATOR=default is set.
// Returns whether it is installed.
bool installReusingCpuAllocator();
bool reusingCpuAllocatorInstalled();

// Returns every kept block to the system (nothing when none is kept).
void releaseKeptCpuBlocks();

struct KeptCpuBlocks {
    std::int64_t keptBytes = 0;  // idle, waiting for a tensor of their size
    std::int64_t mapped = 0;     // blocks mapped since start
    std::int64_t reused = 0;     // allocations served from kept blocks since start
};
KeptCpuBlocks keptCpuBlocks();

}  // namespace unetlab
