#pragma once

// The safetensors header: dtypes, entries and the format's layout rules. Plain C++ (no torch), so that the header
// parser can be fuzzed and reused on its own; safetensors.h maps files and makes tensors on top of it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! Every element type the safetensors format defines. Any of them may appear in a header (checkpoints carry masks
//! and buffers in BOOL, U8 or I64 that no forward pass reads); only floating-point ones can become weights.
enum class StoredDtype {
    BOOL,
    U8,
    I8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F4,
    F6_E2M3,
    F6_E3M2,
    F8_E5M2,
    F8_E4M3,
    F8_E8M0,
    F16,
    BF16,
    F32,
    F64,
    C64
};

std::string_view storedDtypeName(StoredDtype dtype);
//! Bits one element takes in the file (BOOL is a byte).
std::size_t storedDtypeBits(StoredDtype dtype);
//! True for the dtypes the engine can turn into a tensor: F32, F16, BF16 and F64.
bool isReadableDtype(StoredDtype dtype);

//! "[2, 3]", as error messages print shapes.
std::string shapeText(const std::vector<std::int64_t> &shape);

//! One tensor listed in a safetensors header.
struct SafetensorsEntry {
    std::string name;
    StoredDtype dtype = StoredDtype::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; //!< byte offsets into the data section, end exclusive
    std::uint64_t end = 0;
};

//! Checks a safetensors header (the JSON text) against the size of the data section that follows it, by the
//! format's rules: every entry has a dtype the format defines and a shape whose byte size matches its offsets, and
//! the entries, sorted by offset, cover the data section exactly (no overlap, no gap, nothing after the last).
//! Throws InputError naming `file` and each offending tensor. Entries come back sorted by offset.
std::vector<SafetensorsEntry> parseSafetensorsHeader(std::string_view header, std::uint64_t dataSize,
                                                     const std::filesystem::path &file);

} // namespace shiftscope
