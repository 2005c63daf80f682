// The C++ networks against the reference PyTorch definitions in resources/python/, run by
// Debian's python3-torch (the same LibTorch): same parameter count, same state-dict keys,
// same shapes — so weights can move between a notebook and the app.
#include <cstdint>
#include <cstdio>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "models/Networks.h"

using namespace unetlab;

namespace {

nlohmann::json pythonReference() {
    const std::string cmd = std::string("'") + UNETLAB_PYTHON + "' '" + UNETLAB_SOURCE_DIR +
                            "/resources/python/unetlab_models.py' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
    std::string out;
    char buffer[4096];
    while (pipe && std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
    try {
        return nlohmann::json::parse(out);
    } catch (const std::exception &) {
        ADD_FAILURE() << "the Python reference did not run (is python3-torch installed? run "
                         "packaging/setup-debian.sh): "
                      << out;
        return nlohmann::json::object();
    }
}

}  // namespace

TEST(PythonReference, EveryPresetHasTheSameTensorsAsPyTorch) {
    const nlohmann::json reference = pythonReference();
    for (const auto &name : presetNames()) {
        ASSERT_TRUE(reference.contains(name)) << name;
        const auto &ref = reference[name];
        auto model = buildModel(presetConfig(name));
        EXPECT_EQ(countParameters(*model), ref["parameters"].get<std::int64_t>()) << name;
        std::map<std::string, std::vector<std::int64_t>> ours;
        for (const auto &p : model->named_parameters(true)) ours[p.key()] = p.value().sizes().vec();
        for (const auto &b : model->named_buffers(true)) ours[b.key()] = b.value().sizes().vec();
        std::map<std::string, std::vector<std::int64_t>> theirs;
        for (const auto &[key, shape] : ref["tensors"].items()) theirs[key] = shape.get<std::vector<std::int64_t>>();
        EXPECT_EQ(ours, theirs) << name;
    }
}
