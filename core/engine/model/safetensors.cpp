#include "engine/model/safetensors.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
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

constexpr std::uint64_t kMaxHeaderBytes = 100u << 20; // the limit the safetensors library itself enforces
constexpr const char *kReexport =
    "export the weights again with the safetensors library (save_pretrained(..., safe_serialization=True))";

at::ScalarType scalarType(StoredDtype dtype)
{
    switch (dtype) {
    case StoredDtype::F16: return at::kHalf;
    case StoredDtype::BF16: return at::kBFloat16;
    case StoredDtype::F64: return at::kDouble;
    default: return at::kFloat;
    }
}

} // namespace

SafetensorsFile SafetensorsFile::open(const std::filesystem::path &path)
{
    static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");
    refuseProtectedFile(path);
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        throw InputError(InputProblem{path.string(),
                                      {},
                                      std::string("cannot open: ") + std::strerror(errno),
                                      "check the file exists and is readable"});
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw InputError(InputProblem{path.string(),
                                      {},
                                      "is not a regular file (a pipe, a device or a folder)",
                                      "point at the model's real weight file"});
    }
    auto mapping = std::make_shared<Mapping>();
    if (info.st_size >= 8) {
        mapping->size = std::uint64_t(info.st_size);
        void *data = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data != MAP_FAILED)
            mapping->data = static_cast<const std::uint8_t *>(data);
    }
    ::close(fd);
    if (mapping->size < 8)
        throw InputError(
            InputProblem{path.string(),
                         {},
                         "the file is too short to be safetensors (" + std::to_string(info.st_size) + " bytes)",
                         kReexport});
    if (!mapping->data)
        throw InputError(InputProblem{path.string(),
                                      {},
                                      std::string("cannot map the file: ") + std::strerror(errno),
                                      "check there is address space and the file is a regular file"});

    std::uint64_t headerSize = 0;
    std::memcpy(&headerSize, mapping->data, 8);
    if (headerSize > mapping->size - 8 || headerSize > kMaxHeaderBytes)
        throw InputError(InputProblem{path.string(), "header",
                                      "the header length (" + std::to_string(headerSize)
                                          + " bytes) runs past the end of the file (" + std::to_string(mapping->size)
                                          + " bytes)",
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
    if (!isReadableDtype(entry.dtype))
        throw InputError(InputProblem{
            m_path.string(), "tensor '" + entry.name + "'",
            "is stored as " + std::string(storedDtypeName(entry.dtype))
                + ", which the engine cannot use as a weight (it reads F32, F16, BF16 and F64)",
            "convert the model's floating-point weights to float32, float16 or bfloat16 and save it again"});
    const auto options = at::TensorOptions().dtype(scalarType(entry.dtype));
    const std::uint8_t *bytes = m_mapping->data + m_dataStart + entry.begin;
    const std::size_t elementBytes = storedDtypeBits(entry.dtype) / 8;
    if (entry.begin == entry.end || reinterpret_cast<std::uintptr_t>(bytes) % elementBytes != 0) {
        at::Tensor copy = at::empty(entry.shape, options);
        if (entry.end > entry.begin)
            std::memcpy(copy.data_ptr(), bytes, entry.end - entry.begin);
        return copy;
    }
    return at::from_blob(
        const_cast<std::uint8_t *>(bytes), entry.shape, [keep = m_mapping](void *) {}, options);
}

bool SafetensorsFile::maps(const void *data) const
{
    const auto *p = static_cast<const std::uint8_t *>(data);
    return m_mapping && p >= m_mapping->data && p < m_mapping->data + m_mapping->size;
}

} // namespace shiftscope
