#pragma once
// Two-way mapping between small enums and the names used in JSON, the CLI and the GUI.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace unetlab {

template <typename E>
struct EnumName {
    E value;
    const char *name;
};

template <typename E, std::size_t N>
std::string enumToName(const EnumName<E> (&table)[N], E value) {
    for (const auto &entry : table)
        if (entry.value == value) return entry.name;
    return "?";
}

// Throws std::invalid_argument naming `what` and listing the known names.
template <typename E, std::size_t N>
E enumFromName(const EnumName<E> (&table)[N], const std::string &name, const char *what) {
    std::string known;
    for (const auto &entry : table) {
        if (name == entry.name) return entry.value;
        known += (known.empty() ? "" : ", ") + std::string(entry.name);
    }
    throw std::invalid_argument("unknown " + std::string(what) + " '" + name + "' (known: " + known + ")");
}

}  // namespace unetlab
