#include "data/modelidentity.h"

#include "util/inputfile.h"
#include "util/sha256.h"

#include <algorithm>
#include <vector>

namespace shiftscope {

namespace fs = std::filesystem;

std::string modelIdentity(const fs::path &modelDir)
{
    constexpr std::size_t kBlockBytes = std::size_t(64) << 10;
    constexpr int kBlocks = 16;
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
    for (const auto &file : weights) {
        hash.update("\n" + file.filename().string() + "\n" + std::to_string(fs::file_size(file, ec)) + "\n");
        readInputFileSamples(file, kBlockBytes, kBlocks, [&](std::string_view block) { hash.update(block); });
    }
    return hash.hexDigest();
}

} // namespace shiftscope
