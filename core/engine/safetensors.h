#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! Element types the engine reads from safetensors files.
enum class StoredDtype { F32, F16, BF16 };

std::string_view storedDtypeName(StoredDtype dtype);

//! "[2, 3]", as error messages print shapes.
std::string shapeText(at::IntArrayRef shape);

//! One tensor listed in a safetensors header.
struct SafetensorsEntry {
    std::string name;
    StoredDtype dtype = StoredDtype::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;  //!< byte offsets into the data section, end exclusive
    std::uint64_t end = 0;
};

//! Checks a safetensors header (the JSON text) against the size of the data section that follows it: every entry
//! has a known dtype, a shape whose byte size matches its offsets, offsets inside the data, and no two entries
//! overlap. Throws InputError naming `file` and each offending tensor. Entries come back sorted by offset.
std::vector<SafetensorsEntry> parseSafetensorsHeader(std::string_view header, std::uint64_t dataSize,
                                                     const std::filesystem::path &file);

//! A `.safetensors` file, memory-mapped read-only and checked whole when opened. Tensors are views of the mapping
//! (no copy) that keep it alive; the mapping goes away with the last of them. Never write into these tensors.
class SafetensorsFile {
public:
    static SafetensorsFile open(const std::filesystem::path &path);

    const std::filesystem::path &path() const { return m_path; }
    const std::vector<SafetensorsEntry> &entries() const { return m_entries; }
    const SafetensorsEntry *find(const std::string &name) const;
    //! The tensor as stored, on the CPU. Shares the mapping unless its bytes are misaligned for the dtype (then
    //! it is a copy).
    at::Tensor tensor(const SafetensorsEntry &entry) const;
    //! True when `data` points into this file's mapping (tests use it to prove weights are not copied).
    bool maps(const void *data) const;

private:
    struct Mapping;

    std::filesystem::path m_path;
    std::shared_ptr<const Mapping> m_mapping;
    std::uint64_t m_dataStart = 0;
    std::vector<SafetensorsEntry> m_entries;
    std::map<std::string, std::size_t, std::less<>> m_index;
};

} // namespace shiftscope
