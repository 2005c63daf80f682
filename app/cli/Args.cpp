#include "cli/Args.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>

namespace unetlab::cli {

Args::Args(const std::string &command, const std::vector<std::string> &argv, const std::set<std::string> &valued,
           const std::set<std::string> &flags)
    : m_command(command) {
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string &arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg.size() < 3)
            throw UsageError("unexpected argument '" + arg + "' for '" + command + "' (see unetlab-cli " + command +
                             " --help)");
        std::string name = arg.substr(2), value;
        bool inlineValue = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inlineValue = true;
        }
        if (m_values.count(name) || m_flags.count(name))
            throw UsageError("option --" + name + " is given twice");
        if (valued.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
                value = argv[++i];
            }
            m_values[name] = value;
        } else if (flags.count(name)) {
            if (inlineValue) throw UsageError("option --" + name + " takes no value");
            m_flags.insert(name);
        } else {
            throw UsageError("unknown option '--" + name + "' for '" + command + "' (see unetlab-cli " + command +
                             " --help)");
        }
    }
}

bool Args::has(const std::string &name) const { return m_values.count(name) || m_flags.count(name); }

std::optional<std::string> Args::value(const std::string &name) const {
    const auto it = m_values.find(name);
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

std::string Args::text(const std::string &name, const std::string &fallback) const {
    return value(name).value_or(fallback);
}

int Args::integer(const std::string &name, int fallback, int min, int max) const {
    const auto v = value(name);
    if (!v) return fallback;
    errno = 0;
    char *end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("--" + name + " expects a whole number, got '" + *v + "'");
    if (n < min || n > max)
        throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                         ", got " + *v);
    return static_cast<int>(n);
}

double Args::real(const std::string &name, double fallback, double minExclusive, double max) const {
    const auto v = value(name);
    if (!v) return fallback;
    errno = 0;
    char *end = nullptr;
    const double x = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
        throw UsageError("--" + name + " expects a number, got '" + *v + "'");
    if (!(x > minExclusive) || x > max) {
        std::ostringstream s;
        s << "--" << name << " must be greater than " << minExclusive << " and at most " << max << ", got " << *v;
        throw UsageError(s.str());
    }
    return x;
}

std::uint64_t Args::unsignedInteger(const std::string &name, std::uint64_t fallback) const {
    const auto v = value(name);
    if (!v) return fallback;
    if (v->empty() || v->size() > 19 || v->find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("--" + name + " expects a non-negative whole number, got '" + *v + "'");
    return std::stoull(*v);
}

bool Args::onOff(const std::string &name, bool fallback) const {
    const auto v = value(name);
    if (!v) return fallback;
    if (*v == "on") return true;
    if (*v == "off") return false;
    throw UsageError("--" + name + " expects on or off, got '" + *v + "'");
}

std::vector<int> Args::integerList(const std::string &name, const std::vector<int> &fallback) const {
    const auto v = value(name);
    if (!v) return fallback;
    std::vector<int> out;
    std::stringstream s(*v);
    std::string item;
    while (std::getline(s, item, ',')) {
        if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 6)
            throw UsageError("--" + name + " expects comma-separated whole numbers, got '" + *v + "'");
        out.push_back(std::stoi(item));
    }
    if (out.empty()) throw UsageError("--" + name + " expects comma-separated whole numbers");
    return out;
}

}  // namespace unetlab::cli
