#pragma once
// A read-only collection of samples that all share one size, channel count and
// class list. Implementations must be safe to call get() on from one thread at a time.

#include <string>
#include <vector>

#include "data/Sample.h"

namespace unetlab {

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
};

}  // namespace unetlab
