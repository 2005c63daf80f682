#include "core/Resources.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/BuildInfo.h"

namespace unetlab {

std::string executableDir() {
    char exe[4096] = {0};
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return {};
    return std::filesystem::path(std::string(exe, static_cast<std::size_t>(n))).parent_path().string();
}

std::string findResourceDir(const char *envVar, const std::string &subdir, const std::string &probe) {
    std::vector<std::filesystem::path> candidates;
    if (const char *env = std::getenv(envVar); env && *env) candidates.emplace_back(env);
    if (const std::string exe = executableDir(); !exe.empty())
        candidates.push_back(std::filesystem::path(exe) / ".." / "share" / "unetlab" / subdir);
    candidates.push_back(std::filesystem::path(UNETLAB_SOURCE_DIR) / "resources" / subdir);
    for (const auto &c : candidates) {
        std::error_code ec;
        if (std::filesystem::exists(c / probe, ec)) return c.lexically_normal().string();
    }
    return {};
}

}  // namespace unetlab
