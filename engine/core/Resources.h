#pragma once
// Where the app's data files (bundled samples, reference Python files) are found at run
// time: an environment variable, the installed share folder next to the executable, or the
// source tree this binary was built from — in that order, so an installed copy never
// depends on the source tree and a developer can point anywhere.

#include <string>

namespace unetlab {

// The folder holding the running executable ("" when it cannot be told).
std::string executableDir();

// The first of $envVar, <executableDir>/../share/unetlab/<subdir> and
// <source tree>/resources/<subdir> holding `probe` (a file or folder relative to it);
// "" when none does.
std::string findResourceDir(const char *envVar, const std::string &subdir, const std::string &probe);

}  // namespace unetlab
