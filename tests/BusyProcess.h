#pragma once
// Another program keeping one core busy, for the tests of automatic threads: a child process
// that spins until the object goes (or for `seconds` at most).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace unetlab::testing {

class BusyProcess {
public:
    explicit BusyProcess(int seconds = 30) : m_pid(::fork()) {
        if (m_pid != 0) return;
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        volatile unsigned long spin = 0;
        while (std::chrono::steady_clock::now() < end) spin = spin + 1;
        ::_exit(0);
    }
    ~BusyProcess() { stop(); }
    BusyProcess(const BusyProcess &) = delete;
    BusyProcess &operator=(const BusyProcess &) = delete;

    bool started() const { return m_pid > 0; }
    void stop() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

private:
    pid_t m_pid;
};

}  // namespace unetlab::testing
