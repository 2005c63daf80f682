#include "core/CpuLoad.h"

#include "core/AtomicFile.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <thread>

namespace unetlab {

namespace {

// The text of a /proc file, empty when it cannot be read (then nothing counts as busy).
std::string readProc(const char *path) {
    try {
        return readWholeFile(path);
    } catch (const std::exception &) {
        return {};
    }
}

}  // namespace

CpuTimes parseProcStat(const std::string &text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("cpu ", 0) != 0) continue;
        std::istringstream fields(line.substr(4));
        // user nice system idle iowait irq softirq steal (guest time is counted in user)
        std::uint64_t v[8] = {};
        int n = 0;
        while (n < 8 && fields >> v[n]) ++n;
        if (n < 4) return {};
        CpuTimes t;
        t.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        t.total = t.busy + v[3] + v[4];
        return t;
    }
    return {};
}

std::uint64_t parseSelfTicks(const std::string &text) {
    // pid (comm) state ppid ... : utime and stime are fields 14 and 15; comm may hold spaces.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    std::uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    return utime + stime;
}

double otherProgramsCores(const CpuTimes &before, const CpuTimes &after, std::uint64_t selfTicks, int cpus) {
    if (after.total <= before.total || after.busy < before.busy || cpus < 1) return 0;
    const double busy = static_cast<double>(after.busy - before.busy) - static_cast<double>(selfTicks);
    return std::max(0.0, busy / static_cast<double>(after.total - before.total) * cpus);
}

double otherProgramsCoresDuring(const std::function<void()> &work) {
#ifdef __linux__
    const CpuTimes before = parseProcStat(readProc("/proc/stat"));
    const std::uint64_t selfBefore = parseSelfTicks(readProc("/proc/self/stat"));
    work();
    const CpuTimes after = parseProcStat(readProc("/proc/stat"));
    const std::uint64_t selfAfter = parseSelfTicks(readProc("/proc/self/stat"));
    const int cpus = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    return otherProgramsCores(before, after, selfAfter >= selfBefore ? selfAfter - selfBefore : 0, cpus);
#else
    work();
    return 0;
#endif
}

double busyCoresNow(double seconds) {
    return otherProgramsCoresDuring([seconds] { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); });
}

int freeCores(int cores, double busy) {
    return std::max(1, cores - static_cast<int>(std::lround(std::max(0.0, busy))));
}

}  // namespace unetlab
