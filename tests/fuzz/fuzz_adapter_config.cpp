// A PEFT adapter's adapter_config.json, as --adapter reads it.
#include "fuzztarget.h"

#include "engine/model/adapterconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("adapter/adapter_config.json", fuzz::text(data, size));
    return fuzz::expectLoadedOrRefused([&] {
        const AdapterConfig config = AdapterConfig::load(file.parent_path());
        config.adapts("model.layers.0.self_attn.q_proj");
    });
}
