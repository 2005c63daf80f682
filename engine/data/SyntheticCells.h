#pragma once
// The built-in synthetic cytology dataset (MISSION §9): RGB images of stained cells
// on a pale background with exact masks (0 background, 1 cytoplasm, 2 nucleus).
// Every image is a pure function of (seed, index, size): the same arguments give
// the same bytes on every machine.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "data/Dataset.h"

namespace unetlab {

struct SyntheticOptions {
    std::size_t count = 200;     // number of images
    int size = 256;              // width = height, in pixels (>= 32)
    std::uint64_t seed = 1;      // dataset seed
};

class SyntheticCells final : public Dataset {
public:
    explicit SyntheticCells(SyntheticOptions options = {});

    std::string name() const override;
    std::size_t size() const override { return m_options.count; }
    Sample get(std::size_t index) const override;   // cached after first generation

    int width() const override { return m_options.size; }
    int height() const override { return m_options.size; }
    int inChannels() const override { return 3; }
    std::vector<std::string> classNames() const override;

    const SyntheticOptions &options() const { return m_options; }

    // Generates one image without touching the cache (deterministic).
    static Sample generate(const SyntheticOptions &options, std::size_t index);

private:
    SyntheticOptions m_options;
    mutable std::mutex m_mutex;
    mutable std::vector<std::shared_ptr<const Sample>> m_cache;
};

}  // namespace unetlab
