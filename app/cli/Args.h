#pragma once
// A small, strict command-line parser for unetlab-cli: "--name value", "--name=value"
// and boolean "--name"; anything unknown, repeated or malformed is a UsageError.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace unetlab::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Args {
public:
    // `valued` options take a value; `flags` do not.
    Args(const std::string &command, const std::vector<std::string> &argv, const std::set<std::string> &valued,
         const std::set<std::string> &flags);

    bool has(const std::string &name) const;
    std::optional<std::string> value(const std::string &name) const;
    std::string text(const std::string &name, const std::string &fallback) const;
    int integer(const std::string &name, int fallback, int min, int max) const;
    double real(const std::string &name, double fallback, double minExclusive, double max) const;
    std::uint64_t unsignedInteger(const std::string &name, std::uint64_t fallback) const;
    bool onOff(const std::string &name, bool fallback) const;  // "on"/"off"
    std::vector<int> integerList(const std::string &name, const std::vector<int> &fallback) const;

private:
    std::string m_command;
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_flags;
};

}  // namespace unetlab::cli
