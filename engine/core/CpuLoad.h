#pragma once
// How busy the CPUs are with other programs, and how many cores that leaves this one
// (issue #8: the plan's threads are "the free physical cores"). LibTorch's OpenMP threads
// wait for each other at every parallel region; when another program holds a core, one of
// them is descheduled and the others spin until it returns, so two threads on a two-core
// machine with one core busy run slower than one thread (measured: MinimalCNN's training step
// 104 ms with 2 threads, 60 ms with 1). Torch-free.

#include <cstdint>
#include <functional>
#include <string>

namespace unetlab {

// Busy and total CPU time from the first ("cpu ") line of /proc/stat, in clock ticks.
struct CpuTimes {
    std::uint64_t busy = 0, total = 0;
};
// Parses the text of /proc/stat; {0, 0} when it has no aggregate line.
CpuTimes parseProcStat(const std::string &text);
// This process's user + system time, in clock ticks, from the text of /proc/self/stat.
std::uint64_t parseSelfTicks(const std::string &text);

// Cores' worth of CPU time other programs used between two samples: (busy ticks of the
// machine minus this process's own) / total ticks, times the number of CPUs. Never negative.
double otherProgramsCores(const CpuTimes &before, const CpuTimes &after, std::uint64_t selfTicks, int cpus);

// Samples /proc/stat for `seconds` (on Linux; elsewhere, or when it cannot be read, 0).
double busyCoresNow(double seconds = 0.1);
// Runs `work` and returns the cores' worth of CPU time other programs used meanwhile (this
// process's own threads excluded; 0 off Linux).
double otherProgramsCoresDuring(const std::function<void()> &work);

// The threads for automatic thread choice on `cores` cores while other programs keep `busy`
// cores' worth busy: cores minus the busy ones (rounded), at least 1.
int freeCores(int cores, double busy);

}  // namespace unetlab
