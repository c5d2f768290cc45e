// config.json and model.safetensors.index.json of a model folder, as the loader reads them. The input holds both,
// split at the first NUL byte: config.json before it, the index after it.
#include "fuzztarget.h"

#include "engine/model/checkpointindex.h"
#include "engine/model/modelconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const std::string_view all = fuzz::text(data, size);
    const std::size_t split = all.find('\0');
    const std::string_view config = all.substr(0, split);
    const std::string_view index = split == std::string_view::npos ? std::string_view() : all.substr(split + 1);
    fuzz::writeScratch("model/config.json", config);
    fuzz::writeScratch("model/model.safetensors.index.json", index);
    fuzz::expectLoadedOrRefused([&] { ModelConfig::load(fuzz::scratchDir() / "model"); });
    std::map<std::string, std::string> weightMap;
    return fuzz::expectLoadedOrRefused(
        [&] { readCheckpointIndex(fuzz::scratchDir() / "model/model.safetensors.index.json", weightMap); });
}
