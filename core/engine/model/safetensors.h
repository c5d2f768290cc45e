#pragma once

#include "engine/model/safetensorsheader.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! A `.safetensors` file, memory-mapped read-only and checked whole when opened. Tensors are views of the mapping
//! (no copy) that keep it alive; the mapping goes away with the last of them. Never write into these tensors.
class SafetensorsFile {
public:
    static SafetensorsFile open(const std::filesystem::path &path);

    const std::filesystem::path &path() const { return m_path; }
    const std::vector<SafetensorsEntry> &entries() const { return m_entries; }
    const SafetensorsEntry *find(const std::string &name) const;
    //! The tensor as stored, on the CPU. Shares the mapping unless its bytes are misaligned for the dtype (then
    //! it is a copy). Throws InputError naming the tensor when its dtype is not readable (isReadableDtype).
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
