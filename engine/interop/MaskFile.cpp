#include "interop/MaskFile.h"

#include <cstdint>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>

#include "core/AtomicFile.h"
#include "core/EnumNames.h"
#include "inspect/Render.h"

namespace unetlab {
namespace {

const EnumName<MaskFormat> kMaskFormatNames[] = {
    {MaskFormat::Index, "index"}, {MaskFormat::Binary, "binary"}, {MaskFormat::Colour, "colour"}};

}  // namespace

std::string toString(MaskFormat format) { return enumToName(kMaskFormatNames, format); }
MaskFormat maskFormatFromString(const std::string &name) { return enumFromName(kMaskFormatNames, name, "mask format"); }

void writeMaskPng(const std::string &path, const std::vector<std::uint8_t> &mask, int width, int height,
                  MaskFormat format) {
    if (width < 1 || height < 1 || mask.size() != static_cast<std::size_t>(width) * height)
        throw std::runtime_error("cannot write '" + path + "': the mask does not match its size");
    if (format == MaskFormat::Colour) {
        RgbImage rgb;
        rgb.width = width;
        rgb.height = height;
        rgb.pixels.reserve(mask.size() * 3);
        for (const std::uint8_t c : mask) {
            const Rgb colour = classColour(c);
            rgb.pixels.insert(rgb.pixels.end(), {colour.r, colour.g, colour.b});
        }
        writePng(path, rgb);
        return;
    }
    cv::Mat grey(height, width, CV_8U);
    for (std::size_t i = 0; i < mask.size(); ++i)
        grey.data[i] = format == MaskFormat::Binary ? (mask[i] ? 255 : 0) : mask[i];
    std::vector<std::uint8_t> png;
    if (!cv::imencode(".png", grey, png)) throw std::runtime_error("cannot encode '" + path + "' as PNG");
    writeFileAtomically(path, std::string(png.begin(), png.end()));
}

}  // namespace unetlab
