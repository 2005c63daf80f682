// Free cores (issue #8: the plan's threads are the cores other programs leave free): the
// /proc parsing and the arithmetic by hand, and a real busy process seen as busy.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/BusyProcess.h"
#include "core/CpuLoad.h"

using namespace unetlab;

TEST(CpuLoad, ReadsTheMachinesAndItsOwnCpuTimeFromProc) {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const CpuTimes t = parseProcStat("cpu  100 5 50 800 20 3 2 1 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\nintr 1 2\n");
    EXPECT_EQ(t.busy, 100u + 5 + 50 + 3 + 2 + 1);
    EXPECT_EQ(t.total, t.busy + 800 + 20);
    EXPECT_EQ(parseProcStat("intr 1 2\n").total, 0u);  // no aggregate line
    EXPECT_EQ(parseProcStat("cpu  1 2\n").total, 0u);  // too short to be one
    // utime (14th field) + stime (15th); the command name may hold spaces and parentheses.
    EXPECT_EQ(parseSelfTicks("4242 (unet lab (x)) S 1 4242 4242 0 -1 4194304 100 0 0 0 37 5 0 0 20 0 3 0"), 42u);
    EXPECT_EQ(parseSelfTicks("garbage"), 0u);
}

TEST(CpuLoad, OtherProgramsAreTheBusyTimeLessOurOwn) {
    // Two CPUs for 100 ticks each: 200 ticks, 120 busy, 20 of them ours -> 100 / 200 * 2 = 1 core.
    const CpuTimes before{1000, 5000}, after{1120, 5200};
    EXPECT_DOUBLE_EQ(otherProgramsCores(before, after, 20, 2), 1.0);
    EXPECT_DOUBLE_EQ(otherProgramsCores(before, after, 0, 2), 1.2);
    EXPECT_DOUBLE_EQ(otherProgramsCores(before, after, 500, 2), 0.0);  // never negative
    EXPECT_DOUBLE_EQ(otherProgramsCores(after, before, 0, 2), 0.0);    // no time passed
    // Busy cores are rounded and at least one thread is left.
    EXPECT_EQ(freeCores(2, 0.0), 2);
    EXPECT_EQ(freeCores(2, 0.3), 2);
    EXPECT_EQ(freeCores(2, 0.8), 1);
    EXPECT_EQ(freeCores(2, 2.0), 1);
    EXPECT_EQ(freeCores(16, 3.4), 13);
    EXPECT_EQ(freeCores(2, -1.0), 2);
}

TEST(CpuLoad, AProcessSpinningOnACoreCountsAsBusy) {
    unetlab::BusyProcess busy;
    ASSERT_TRUE(busy.started());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the child is running
    const double cores = busyCoresNow(0.3);
    busy.stop();
    // At least most of one core (other tests may run beside this one: more, never less).
    EXPECT_GE(cores, 0.6);
    const int cpus = static_cast<int>(std::thread::hardware_concurrency());
    EXPECT_LE(cores, cpus + 0.01);
    EXPECT_LT(freeCores(cpus, cores), cpus);
}

namespace {

// Whether process `pid` still runs: its /proc entry is there and it is not a zombie.
bool running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z' && text[close + 2] != 'X';
}

}  // namespace

// `unetlab-cli bench --busy N` interrupted (Ctrl+C, kill) must not leave its spinning programs
// behind: they die with the process that started them.
TEST(BusyProcess, DiesWithTheProgramThatStartedIt) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t parent = ::fork();
    ASSERT_GE(parent, 0);
    if (parent == 0) {
        unetlab::BusyProcess busy(30);
        const pid_t spinner = busy.pid();
        if (::write(fds[1], &spinner, sizeof spinner) != static_cast<ssize_t>(sizeof spinner)) ::_exit(1);
        ::pause();
        ::_exit(0);
    }
    ::close(fds[1]);
    pid_t spinner = -1;
    ASSERT_EQ(::read(fds[0], &spinner, sizeof spinner), static_cast<ssize_t>(sizeof spinner));
    ::close(fds[0]);
    ASSERT_GT(spinner, 0);
    EXPECT_TRUE(running(spinner));
    ::kill(parent, SIGKILL);
    ::waitpid(parent, nullptr, 0);
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (running(spinner) && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(running(spinner)) << "the spinning child outlived its parent";
    if (running(spinner)) ::kill(spinner, SIGKILL);
}
