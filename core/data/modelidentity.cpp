#include "data/modelidentity.h"

#include "util/inputfile.h"
#include "util/sha256.h"

#include <algorithm>
#include <vector>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlockBytes = std::size_t(64) << 10;
constexpr int kBlocks = 16;

void hashSampled(Sha256 &hash, const fs::path &file)
{
    std::error_code ec;
    hash.update("\n" + file.filename().string() + "\n" + std::to_string(fs::file_size(file, ec)) + "\n");
    readInputFileSamples(file, kBlockBytes, kBlocks, [&](std::string_view block) { hash.update(block); });
}

} // namespace

std::string modelIdentity(const fs::path &modelDir, const fs::path &adapterDir)
{
    const std::string base = modelIdentity(modelDir);
    if (adapterDir.empty())
        return base;
    Sha256 hash;
    hash.update("shiftscope adapted model identity 1\n" + base + "\n");
    hash.update(readInputFile(adapterDir / "adapter_config.json", std::uint64_t(16) << 20,
                              "point --adapter at a PEFT adapter folder (adapter_config.json next to "
                              "adapter_model.safetensors)"));
    std::error_code ec;
    const fs::path weights = adapterDir / "adapter_model.safetensors";
    if (fs::is_regular_file(weights, ec))
        hashSampled(hash, weights);
    return hash.hexDigest();
}

std::string modelIdentity(const fs::path &modelDir)
{
    Sha256 hash;
    hash.update("shiftscope model identity 1\n");
    hash.update(readInputFile(modelDir / "config.json", std::uint64_t(16) << 20,
                              "point at a Hugging Face model folder (config.json next to model.safetensors)"));
    std::error_code ec;
    const fs::path tokenizer = modelDir / "tokenizer.json";
    if (fs::is_regular_file(tokenizer, ec)) {
        hash.update("\ntokenizer.json\n");
        readInputFileChunks(tokenizer, std::size_t(1) << 20, [&](std::string_view chunk) { hash.update(chunk); });
    }
    std::vector<fs::path> weights;
    for (const auto &entry : fs::directory_iterator(modelDir, ec)) {
        std::error_code entryError; // a broken link or a loop is no weight file: skipped, not thrown
        const std::string name = entry.path().filename().string();
        if ((entry.path().extension() == ".safetensors" || name == "model.safetensors.index.json")
            && entry.is_regular_file(entryError))
            weights.push_back(entry.path());
    }
    std::sort(weights.begin(), weights.end());
    for (const auto &file : weights)
        hashSampled(hash, file);
    return hash.hexDigest();
}

} // namespace shiftscope
