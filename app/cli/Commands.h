#pragma once
// unetlab-cli commands that live in their own files (the rest are in main.cpp).

#include <string>
#include <vector>

namespace unetlab::cli {

int cmdCompare(const std::vector<std::string> &argv);

}  // namespace unetlab::cli
