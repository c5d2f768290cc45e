#pragma once

// Writes safetensors files byte by byte, independently of the engine's reader (no Qt, no torch: the engine
// benchmark uses it too).
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace shiftscope::test {

enum class FileDtype { F32, F16, BF16 };

struct TensorValues {
    std::string name;
    std::vector<std::int64_t> shape;
    std::vector<float> values;
    //! When set, the tensor is written as these bytes in this dtype (any dtype the format defines, e.g. "BOOL" or
    //! "U8" for the masks checkpoints carry) instead of `values` in the file's dtype.
    std::string storedAs = {};
    std::string raw = {};
};

inline std::uint16_t bf16Bits(float value)
{
    const auto bits = std::bit_cast<std::uint32_t>(value);
    return std::uint16_t((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16); // round to nearest even
}

inline float bf16Value(std::uint16_t bits) { return std::bit_cast<float>(std::uint32_t(bits) << 16); }

//! IEEE half precision, round to nearest even; enough for the small normal values the tests write.
inline std::uint16_t f16Bits(float value)
{
    const auto bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    const int exponent = int((bits >> 23) & 0xFF) - 127 + 15;
    std::uint32_t mantissa = bits & 0x7FFFFFu;
    if (exponent <= 0)
        return std::uint16_t(sign); // too small: zero
    std::uint32_t half = sign | (std::uint32_t(exponent) << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        ++half;
    return std::uint16_t(half);
}

inline float f16Value(std::uint16_t bits)
{
    const std::uint32_t sign = std::uint32_t(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1Fu;
    if (exponent == 0)
        return std::bit_cast<float>(sign); // zero (f16Bits writes no subnormals)
    return std::bit_cast<float>(sign | ((exponent - 15 + 127) << 23) | (std::uint32_t(bits & 0x3FFu) << 13));
}

inline const char *dtypeName(FileDtype d) { return d == FileDtype::F32 ? "F32" : d == FileDtype::F16 ? "F16" : "BF16"; }

//! Appends `values` in `dtype`, little-endian.
inline void appendValues(std::string &out, const std::vector<float> &values, FileDtype dtype)
{
    for (float v : values) {
        if (dtype == FileDtype::F32) {
            out.append(reinterpret_cast<const char *>(&v), 4);
        } else {
            const std::uint16_t bits = dtype == FileDtype::BF16 ? bf16Bits(v) : f16Bits(v);
            out.append(reinterpret_cast<const char *>(&bits), 2);
        }
    }
}

//! The 8-byte little-endian length and `header`'s text, padded with spaces to a multiple of 8 bytes unless `align`
//! is false (then to an odd length, misaligning every tensor that follows).
inline std::string framedHeader(const nlohmann::ordered_json &header, bool align)
{
    std::string text = header.dump();
    if (align)
        text.append((8 - text.size() % 8) % 8, ' ');
    else if (text.size() % 2 == 0)
        text += ' ';
    const std::uint64_t length = text.size();
    return std::string(reinterpret_cast<const char *>(&length), 8) + text;
}

//! The 8-byte little-endian header length and the JSON header for tensors stored back to back in order, padded
//! with spaces to a multiple of 8 bytes unless `align` is false (then to an odd length, misaligning every tensor).
inline std::string safetensorsHeader(const std::vector<std::pair<std::string, std::vector<std::int64_t>>> &tensors,
                                     FileDtype dtype, bool align = true)
{
    nlohmann::ordered_json header = {{"__metadata__", {{"format", "pt"}}}};
    std::uint64_t offset = 0;
    for (const auto &[name, shape] : tensors) {
        std::uint64_t bytes = dtype == FileDtype::F32 ? 4 : 2;
        for (auto d : shape)
            bytes *= std::uint64_t(d);
        header[name] = {{"dtype", dtypeName(dtype)}, {"shape", shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    return framedHeader(header, align);
}

//! A whole safetensors file in memory.
inline std::string safetensorsBytes(const std::vector<TensorValues> &tensors, FileDtype dtype, bool align = true)
{
    nlohmann::ordered_json header = {{"__metadata__", {{"format", "pt"}}}};
    std::string data;
    for (const auto &t : tensors) {
        const std::uint64_t begin = data.size();
        if (t.storedAs.empty())
            appendValues(data, t.values, dtype);
        else
            data += t.raw;
        header[t.name] = {{"dtype", t.storedAs.empty() ? dtypeName(dtype) : t.storedAs.c_str()},
                          {"shape", t.shape},
                          {"data_offsets", {begin, std::uint64_t(data.size())}}};
    }
    return framedHeader(header, align) + data;
}

//! Streams a safetensors file tensor by tensor: `fill(i, values)` gives tensor i's values (sized to its shape),
//! so a large model never sits in memory whole.
inline void writeSafetensors(const std::filesystem::path &path,
                             const std::vector<std::pair<std::string, std::vector<std::int64_t>>> &tensors,
                             FileDtype dtype, const std::function<void(std::size_t, std::vector<float> &)> &fill)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::string header = safetensorsHeader(tensors, dtype);
    out.write(header.data(), std::streamsize(header.size()));
    std::vector<float> values;
    std::string bytes;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        std::size_t count = 1;
        for (auto d : tensors[i].second)
            count *= std::size_t(d);
        values.assign(count, 0.0f);
        fill(i, values);
        bytes.clear();
        appendValues(bytes, values, dtype);
        out.write(bytes.data(), std::streamsize(bytes.size()));
    }
}

} // namespace shiftscope::test
