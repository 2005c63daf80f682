#pragma once
// A tiny portable random generator (splitmix64). The standard distributions are
// implementation-defined, so anything that must give the same result on every machine
// (synthetic images, splits, shuffles) draws from this instead.

#include <cstdint>
#include <utility>
#include <vector>

namespace unetlab {

// splitmix64's output function: a strong 64-bit mixer, also useful for hashing seeds.
constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}
    // The whole state (to save a run and continue it later with the same draws).
    std::uint64_t state() const { return m_state; }
    void setState(std::uint64_t state) { m_state = state; }

    std::uint64_t next() { return mix64(m_state += 0x9E3779B97F4A7C15ULL); }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n), n > 0.
    std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)); }
    // Integer in [lo, hi], inclusive.
    int integer(int lo, int hi) {
        const auto span = static_cast<std::uint64_t>(hi - lo + 1);
        return lo + static_cast<int>(next() % span);
    }
    bool chance(double p) { return uniform() < p; }
    // Approximately standard normal: Irwin-Hall sum of four 16-bit uniforms from one draw
    // (pure integer arithmetic, so identical everywhere; tails end at +-3.46).
    double normal() {
        const std::uint64_t r = next();
        const double sum =
            static_cast<double>((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48));
        return (sum / 65536.0 - 2.0) * 1.7320508075688772;
    }

    template <typename T>
    void shuffle(std::vector<T> &v) {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    std::uint64_t m_state;
};

}  // namespace unetlab
