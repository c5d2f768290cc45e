#include "engine/model/checkpoint.h"

#include "engine/model/checkpointindex.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace shiftscope {

namespace {

namespace fs = std::filesystem;

constexpr const char *kSingle = "model.safetensors";
constexpr const char *kIndex = "model.safetensors.index.json";

//! True when something is at `path`, even a link that leads nowhere or in a loop (opening it then says why).
bool present(const fs::path &path)
{
    std::error_code ec;
    return fs::exists(fs::symlink_status(path, ec));
}

//! Pickle-based weight files: loading them can run arbitrary code, so they are refused.
bool hasPickles(const fs::path &dir)
{
    for (const char *name : {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.pth"})
        if (present(dir / name))
            return true;
    return false;
}

[[noreturn]] void refuseFolder(const fs::path &dir)
{
    if (hasPickles(dir))
        throw InputError(InputProblem{
            dir.string(),
            {},
            "the folder holds PyTorch pickle weights (pytorch_model.bin) but no model.safetensors; ShiftScope does not "
            "read pickle files, because loading one can run any code it contains",
            "convert the folder once with Python: from transformers import AutoModelForCausalLM; "
            "AutoModelForCausalLM.from_pretrained(DIR).save_pretrained(DIR, safe_serialization=True) "
            "(writes model.safetensors next to the .bin)"});
    throw InputError(InputProblem{dir.string(),
                                  {},
                                  "no model.safetensors or model.safetensors.index.json in the folder",
                                  "point --model at a Hugging Face model folder with safetensors weights"});
}

} // namespace

Checkpoint Checkpoint::open(const fs::path &modelDir)
{
    std::error_code ec;
    if (!fs::is_directory(modelDir, ec))
        throw InputError(
            InputProblem{modelDir.string(), {}, "not a folder", "point --model at a Hugging Face model folder"});
    Checkpoint checkpoint;
    checkpoint.m_dir = modelDir;
    if (present(modelDir / kIndex)) {
        std::map<std::string, std::string> weightMap;
        const auto shards = readCheckpointIndex(modelDir / kIndex, weightMap);
        std::vector<InputProblem> problems;
        for (const auto &shard : shards)
            if (!present(modelDir / shard))
                problems.push_back({(modelDir / kIndex).string(),
                                    {},
                                    "names the shard " + shard + ", which is not in the folder",
                                    "download the missing shard, or restore the matching index"});
        if (!problems.empty())
            throw InputError(std::move(problems));
        for (const auto &shard : shards)
            checkpoint.add(SafetensorsFile::open(modelDir / shard));
        for (const auto &[name, shard] : weightMap) {
            const auto it = checkpoint.m_names.find(name);
            if (it == checkpoint.m_names.end() || checkpoint.m_files[it->second.file].path().filename() != shard)
                problems.push_back({(modelDir / kIndex).string(), "tensor '" + name + "'",
                                    "is listed in " + shard + ", which does not hold it",
                                    "restore the index that came with these shards"});
        }
        if (!problems.empty())
            throw InputError(std::move(problems));
    } else if (present(modelDir / kSingle)) {
        checkpoint.add(SafetensorsFile::open(modelDir / kSingle));
    } else {
        refuseFolder(modelDir);
    }
    return checkpoint;
}

void Checkpoint::add(SafetensorsFile file)
{
    const std::size_t index = m_files.size();
    m_files.push_back(std::move(file));
    const auto &entries = m_files.back().entries();
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto &entry = entries[i];
        const auto [it, added] = m_names.emplace(entry.name, Location{index, i});
        if (!added)
            throw InputError(InputProblem{m_files.back().path().string(), "tensor '" + entry.name + "'",
                                          "is also stored in " + m_files[it->second.file].path().filename().string(),
                                          "keep one copy of each tensor across the shards"});
    }
}

std::vector<std::string> Checkpoint::names() const
{
    std::vector<std::string> out;
    for (const auto &[name, location] : m_names)
        out.push_back(name);
    return out;
}

const SafetensorsEntry *Checkpoint::find(const std::string &name) const
{
    const auto it = m_names.find(name);
    return it == m_names.end() ? nullptr : &m_files[it->second.file].entries()[it->second.entry];
}

at::Tensor Checkpoint::tensor(const std::string &name) const
{
    const auto it = m_names.find(name);
    if (it == m_names.end())
        throw std::out_of_range("no tensor '" + name + "' in " + m_dir.string());
    const auto &file = m_files[it->second.file];
    return file.tensor(file.entries()[it->second.entry]);
}

bool Checkpoint::maps(const void *data) const
{
    return std::any_of(m_files.begin(), m_files.end(), [data](const SafetensorsFile &f) { return f.maps(data); });
}

} // namespace shiftscope
