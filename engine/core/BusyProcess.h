#pragma once
// Another program keeping one core busy: a child process that spins until the object goes
// (or for `seconds` at most, or until this process dies). For the tests of automatic threads
// and `unetlab-cli bench --busy N`, which times the plans with other programs holding cores.
// POSIX; torch-free. The child only spins and reads the clock, so forking from a process
// with LibTorch's threads running is safe.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace unetlab {

class BusyProcess {
public:
    explicit BusyProcess(int seconds = 30) {
        const pid_t parent = ::getpid();
        m_pid = ::fork();
        if (m_pid != 0) return;
        // Killed with its parent (a bench interrupted with Ctrl+C leaves nothing spinning).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(0);
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        volatile unsigned long spin = 0;
        while (std::chrono::steady_clock::now() < end) spin = spin + 1;
        ::_exit(0);
    }
    ~BusyProcess() { stop(); }
    BusyProcess(const BusyProcess &) = delete;
    BusyProcess &operator=(const BusyProcess &) = delete;

    bool started() const { return m_pid > 0; }
    pid_t pid() const { return m_pid; }
    void stop() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

private:
    pid_t m_pid = -1;
};

}  // namespace unetlab
