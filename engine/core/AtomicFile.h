#pragma once
// Files written so that a crash or a full disk never leaves a half-written file behind:
// the bytes go to a temporary file in the same folder, are flushed to disk, and the
// temporary file is renamed over the target.

#include <string>

namespace unetlab {

// Throws std::runtime_error naming the path and the reason on failure; the target is
// untouched then.
void writeFileAtomically(const std::string &path, const std::string &bytes);

// Reads a whole file; throws std::runtime_error naming the path when it cannot.
std::string readWholeFile(const std::string &path);

}  // namespace unetlab
