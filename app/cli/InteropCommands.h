#pragma once
// unetlab-cli predict (a mask for an image of any size, by sliding window) and export (a
// checkpoint's weights as a PyTorch state dict or a UNet Lab checkpoint).

#include <string>
#include <vector>

namespace unetlab::cli {

int cmdPredict(const std::vector<std::string> &argv);
int cmdExport(const std::vector<std::string> &argv);

}  // namespace unetlab::cli
