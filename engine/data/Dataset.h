#pragma once
// A read-only collection of samples that all share one size, channel count and
// class list. Implementations must be safe to call get() on from one thread at a time.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/Sample.h"

namespace unetlab {

// Something wrong with one file (or one page of a stack) of a dataset: the file, relative to
// the dataset's folder where there is one, and a one-line reason for people.
struct DataProblem {
    std::string file;
    std::string reason;
};

struct ClassColour {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const ClassColour &o) const { return r == o.r && g == o.g && b == o.b; }
};

// What a dataset holds, for a summary before training.
struct DatasetSummary {
    struct SizeCount {
        int width = 0, height = 0;
        std::size_t count = 0;
    };
    std::string name;
    std::size_t count = 0;               // usable samples
    int width = 0, height = 0;           // the samples' size (after any size policy)
    int channels = 0;                    // 1 grey, 3 RGB
    std::vector<SizeCount> sourceSizes;  // image sizes as stored, most frequent first
    std::vector<std::string> classNames;
    std::vector<std::uint64_t> classPixels;  // per class, over every sample
    std::vector<double> classFractions;      // classPixels / all pixels
    std::string mapping;                     // how mask values became classes, for people
    std::string sizePolicy;                  // how images were brought to one size, for people
    // Empty when the samples are held in memory; else how they are read, for people, e.g.
    // "streamed from disk: ~5200 MB decoded, over the memory budget of 3900 MB".
    std::string storage;
};

// No usable sample at all: the message says why in one line; problems() lists every file.
class DataError : public std::runtime_error {
public:
    DataError(const std::string &message, std::vector<DataProblem> problems = {})
        : std::runtime_error(message), m_problems(std::move(problems)) {}
    const std::vector<DataProblem> &problems() const { return m_problems; }

private:
    std::vector<DataProblem> m_problems;
};

class Dataset {
public:
    virtual ~Dataset() = default;

    virtual std::string name() const = 0;
    virtual std::size_t size() const = 0;
    virtual Sample get(std::size_t index) const = 0;

    virtual int width() const = 0;
    virtual int height() const = 0;
    virtual int inChannels() const = 0;
    virtual std::vector<std::string> classNames() const = 0;
    int numClasses() const { return static_cast<int>(classNames().size()); }

    // Display colours per class; empty = the app's default palette.
    virtual std::vector<ClassColour> classColours() const { return {}; }
    // Files that were skipped, with the reason (empty for generated data).
    virtual std::vector<DataProblem> problems() const { return {}; }
    // The default reads every sample once; datasets that know their files override it.
    virtual DatasetSummary summary() const;

    // The sample training sees at `index` in `epoch`: get(index), except for datasets that
    // draw a fresh random patch per epoch (variesPerEpoch()), deterministically from
    // (their seed, epoch, index). Evaluation and previews always use get().
    virtual Sample trainingSample(std::size_t index, std::uint64_t epoch) const {
        (void)epoch;
        return get(index);
    }
    virtual bool variesPerEpoch() const { return false; }
    // True when get() decodes its sample from disk each time (a dataset too large to hold in
    // memory) rather than copying it from memory: training then reads batches as it goes.
    virtual bool streamed() const { return false; }
};

}  // namespace unetlab
