#include "engine/safetensors.h"

#include "util/errors.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shiftscope {

//! A read-only private mapping of a whole file; unmapped when the last tensor viewing it is gone.
struct SafetensorsFile::Mapping {
    const std::uint8_t *data = nullptr;
    std::uint64_t size = 0;

    Mapping() = default;
    Mapping(const Mapping &) = delete;
    Mapping &operator=(const Mapping &) = delete;
    ~Mapping()
    {
        if (data)
            ::munmap(const_cast<std::uint8_t *>(data), size);
    }
};

namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;  // the limit the safetensors library itself enforces
constexpr const char *kReexport = "export the weights again with the safetensors library (save_pretrained(..., safe_serialization=True))";

std::size_t elementSize(StoredDtype dtype)
{
    return dtype == StoredDtype::F32 ? 4 : 2;
}

std::optional<StoredDtype> dtypeFromName(std::string_view name)
{
    for (StoredDtype d : {StoredDtype::F32, StoredDtype::F16, StoredDtype::BF16})
        if (storedDtypeName(d) == name)
            return d;
    return std::nullopt;
}

at::ScalarType scalarType(StoredDtype dtype)
{
    switch (dtype) {
    case StoredDtype::F32: return at::kFloat;
    case StoredDtype::F16: return at::kHalf;
    case StoredDtype::BF16: return at::kBFloat16;
    }
    return at::kFloat;
}

//! Reads one header entry; returns false (after adding a problem) when it is unusable.
bool readEntry(const std::string &name, const Json &value, std::uint64_t dataSize, SafetensorsEntry &entry,
               std::vector<InputProblem> &problems, const std::string &file)
{
    const std::string place = "tensor '" + name + "'";
    auto fail = [&](const std::string &message, const std::string &fix = kReexport) {
        problems.push_back({file, place, message, fix});
        return false;
    };
    if (!value.is_object())
        return fail("the header entry is not an object");
    const auto dtype = value.find("dtype");
    const auto shape = value.find("shape");
    const auto offsets = value.find("data_offsets");
    if (dtype == value.end() || shape == value.end() || offsets == value.end())
        return fail("the header entry lacks dtype, shape or data_offsets");
    if (!dtype->is_string())
        return fail("dtype is not a string");
    const auto known = dtypeFromName(dtype->get<std::string>());
    if (!known)
        return fail("dtype '" + dtype->get<std::string>() + "' is not supported (the engine reads F32, F16 and BF16)",
                    "convert the model's floating-point weights to float32, float16 or bfloat16 and save it again");
    entry.name = name;
    entry.dtype = *known;
    if (!shape->is_array())
        return fail("shape is not a list");
    std::uint64_t elements = 1;
    for (const auto &dim : *shape) {
        if (!dim.is_number_unsigned() || dim.get<std::uint64_t>() > (std::uint64_t(1) << 40))
            return fail("shape " + shape->dump() + " holds something other than dimension sizes");
        entry.shape.push_back(std::int64_t(dim.get<std::uint64_t>()));
        if (__builtin_mul_overflow(elements, dim.get<std::uint64_t>(), &elements))
            return fail("shape " + shape->dump() + " is too large");
    }
    if (!offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
        return fail("data_offsets " + offsets->dump() + " is not a pair of byte offsets");
    entry.begin = (*offsets)[0].get<std::uint64_t>();
    entry.end = (*offsets)[1].get<std::uint64_t>();
    if (entry.begin > entry.end || entry.end > dataSize)
        return fail("data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                        "] run past the end of the file (the data section holds " + std::to_string(dataSize) + " bytes)",
                    "the file is truncated or its header is damaged; download or export it again");
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(elements, elementSize(entry.dtype), &bytes) || bytes != entry.end - entry.begin)
        return fail("shape " + shapeText(entry.shape) + " in " + std::string(storedDtypeName(entry.dtype)) + " needs " +
                    std::to_string(bytes) + " bytes but data_offsets span " + std::to_string(entry.end - entry.begin));
    return true;
}

} // namespace

std::string shapeText(at::IntArrayRef shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string_view storedDtypeName(StoredDtype dtype)
{
    switch (dtype) {
    case StoredDtype::F32: return "F32";
    case StoredDtype::F16: return "F16";
    case StoredDtype::BF16: return "BF16";
    }
    return "F32";
}

std::vector<SafetensorsEntry> parseSafetensorsHeader(std::string_view header, std::uint64_t dataSize,
                                                     const std::filesystem::path &file)
{
    Json json;
    try {
        json = Json::parse(header);
    } catch (const Json::parse_error &e) {
        throw InputError(InputProblem{file.string(), "header, byte " + std::to_string(e.byte), "the header is not valid JSON", kReexport});
    }
    if (!json.is_object())
        throw InputError(InputProblem{file.string(), "header", "the header is not a JSON object", kReexport});

    std::vector<InputProblem> problems;
    std::vector<SafetensorsEntry> entries;
    for (const auto &[name, value] : json.items()) {
        if (name == "__metadata__")
            continue;
        SafetensorsEntry entry;
        if (readEntry(name, value, dataSize, entry, problems, file.string()))
            entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    // Sorted by start, a tensor overlaps another exactly when it starts before the furthest end seen so far.
    const SafetensorsEntry *furthest = nullptr;
    for (const auto &e : entries) {
        if (e.begin == e.end)
            continue;
        if (furthest && e.begin < furthest->end)
            problems.push_back({file.string(), "tensor '" + e.name + "'",
                                "bytes " + std::to_string(e.begin) + ".." + std::to_string(e.end) + " overlap tensor '" +
                                    furthest->name + "' (bytes " + std::to_string(furthest->begin) + ".." +
                                    std::to_string(furthest->end) + ")",
                                kReexport});
        if (!furthest || e.end > furthest->end)
            furthest = &e;
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    return entries;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path &path)
{
    static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw InputError(InputProblem{path.string(), {}, std::string("cannot open: ") + std::strerror(errno), "check the file exists and is readable"});
    struct stat info {};
    auto mapping = std::make_shared<Mapping>();
    if (::fstat(fd, &info) == 0 && info.st_size >= 8) {
        mapping->size = std::uint64_t(info.st_size);
        void *data = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data != MAP_FAILED)
            mapping->data = static_cast<const std::uint8_t *>(data);
    }
    ::close(fd);
    if (mapping->size < 8)
        throw InputError(InputProblem{path.string(), {}, "the file is too short to be safetensors (" + std::to_string(info.st_size) + " bytes)", kReexport});
    if (!mapping->data)
        throw InputError(InputProblem{path.string(), {}, std::string("cannot map the file: ") + std::strerror(errno), "check there is address space and the file is a regular file"});

    std::uint64_t headerSize = 0;
    std::memcpy(&headerSize, mapping->data, 8);
    if (headerSize > mapping->size - 8 || headerSize > kMaxHeaderBytes)
        throw InputError(InputProblem{path.string(), "header", "the header length (" + std::to_string(headerSize) +
                                      " bytes) runs past the end of the file (" + std::to_string(mapping->size) + " bytes)",
                                      "the file is truncated or not a safetensors file; download or export it again"});
    SafetensorsFile file;
    file.m_path = path;
    file.m_dataStart = 8 + headerSize;
    const std::string_view header(reinterpret_cast<const char *>(mapping->data + 8), headerSize);
    file.m_entries = parseSafetensorsHeader(header, mapping->size - file.m_dataStart, path);
    for (std::size_t i = 0; i < file.m_entries.size(); ++i)
        file.m_index.emplace(file.m_entries[i].name, i);
    file.m_mapping = std::move(mapping);
    return file;
}

const SafetensorsEntry *SafetensorsFile::find(const std::string &name) const
{
    const auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_entries[it->second];
}

at::Tensor SafetensorsFile::tensor(const SafetensorsEntry &entry) const
{
    const auto options = at::TensorOptions().dtype(scalarType(entry.dtype));
    const std::uint8_t *bytes = m_mapping->data + m_dataStart + entry.begin;
    if (entry.begin == entry.end || reinterpret_cast<std::uintptr_t>(bytes) % elementSize(entry.dtype) != 0) {
        at::Tensor copy = at::empty(entry.shape, options);
        if (entry.end > entry.begin)
            std::memcpy(copy.data_ptr(), bytes, entry.end - entry.begin);
        return copy;
    }
    return at::from_blob(const_cast<std::uint8_t *>(bytes), entry.shape, [keep = m_mapping](void *) {}, options);
}

bool SafetensorsFile::maps(const void *data) const
{
    const auto *p = static_cast<const std::uint8_t *>(data);
    return m_mapping && p >= m_mapping->data && p < m_mapping->data + m_mapping->size;
}

} // namespace shiftscope
