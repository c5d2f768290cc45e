// A safetensors header: the JSON text, checked against a data section as long as its first 8 bytes say.
#include "fuzztarget.h"

#include "engine/model/safetensors.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    if (size < 8)
        return 0;
    std::uint64_t dataSize = 0;
    std::memcpy(&dataSize, data, 8);
    return fuzz::expectLoadedOrRefused(
        [&] { parseSafetensorsHeader(fuzz::text(data + 8, size - 8), dataSize % (1u << 20), "model.safetensors"); });
}
