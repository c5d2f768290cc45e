#include "engine/model/tensorfile.h"

#include "engine/model/safetensors.h"
#include "util/atomicfile.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <ostream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace fs = std::filesystem;

void saveTensors(const fs::path &path, const NamedTensors &tensors)
{
    // Header: {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}}, padded to 8 bytes.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    std::vector<at::Tensor> contiguous;
    std::uint64_t offset = 0;
    for (const auto &[name, tensor] : tensors) {
        at::Tensor t = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
        const std::uint64_t bytes = std::uint64_t(t.numel()) * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(std::move(t));
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');

    // A unique temporary and a rename: two runs writing one cache entry never write into each other's file.
    writeFileAtomically(path, [&](std::ostream &out) {
        const std::uint64_t size = text.size();
        char length[8];
        for (int i = 0; i < 8; ++i)
            length[i] = char((size >> (8 * i)) & 0xff); // little-endian, as the format requires
        out.write(length, 8);
        out.write(text.data(), std::streamsize(text.size()));
        for (const auto &t : contiguous)
            out.write(static_cast<const char *>(t.data_ptr()),
                      std::streamsize(t.numel() * std::int64_t(sizeof(float))));
    });
}

std::map<std::string, at::Tensor> loadTensors(const fs::path &path)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError(InputProblem{path.string(), {}, "the file is missing", "train the intervention again"});
    const SafetensorsFile file = SafetensorsFile::open(path);
    std::map<std::string, at::Tensor> out;
    for (const auto &entry : file.entries())
        out[entry.name] = file.tensor(entry).to(at::kFloat).clone();
    return out;
}

at::Tensor requireTensor(const std::map<std::string, at::Tensor> &tensors, const std::string &name,
                         const fs::path &file)
{
    const auto it = tensors.find(name);
    if (it == tensors.end())
        throw InputError(
            InputProblem{file.string(), "tensor '" + name + "'", "the tensor is missing",
                         "the file was written by another version or damaged; train the intervention again"});
    return it->second;
}

} // namespace shiftscope
