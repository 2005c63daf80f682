#pragma once
// The loaders under test take paths: each fuzz input is written to one scratch file per
// process (in /dev/shm when there is one, so that no disk is worn), overwritten every time.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace unetlab::fuzz {

inline std::string scratchPath(const char *suffix) {
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    return std::string(dir) + "/unetlab-fuzz-" + std::to_string(getpid()) + suffix;
}

inline void writeScratch(const std::string &path, const std::uint8_t *data, std::size_t size) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
        std::perror(path.c_str());
        std::abort();
    }
}

// A broken invariant: libFuzzer saves the input as a crash.
[[noreturn]] inline void broken(const std::string &what) {
    // On stdout: run.sh passes -close_fd_mask=2, which silences stderr.
    std::printf("fuzz: invariant broken: %s\n", what.c_str());
    std::fflush(stdout);
    std::abort();
}

}  // namespace unetlab::fuzz
