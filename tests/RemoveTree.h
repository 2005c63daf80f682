#pragma once
// Removes a folder and everything in it: the tests' scratch folders.
//
// Not std::filesystem::remove_all: the libtorch.so of a pip-installed (CUDA) PyTorch carries
// and exports its own copy of it, built by an older GCC, and a test built with GCC 13 that
// calls it crashes on the first folder with files in it (seen on the GPU machine with
// tests/cuda/run.sh). nftw() is plain POSIX. Errors are ignored, as scratch clean-up.

#include <ftw.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

namespace unetlab::testing {

inline int removeTreeEntry(const char *path, const struct stat *, int, struct FTW *) {
    std::remove(path);  // unlink for files, rmdir for (by then empty) folders
    return 0;
}

inline void removeTree(const std::filesystem::path &dir) {
    ::nftw(dir.c_str(), removeTreeEntry, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace unetlab::testing
