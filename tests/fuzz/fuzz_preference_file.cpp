// A preference file (JSON Lines or a JSON array, in any of the layouts import-preferences reads).
#include "fuzztarget.h"

#include "preferences/preferencefile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("preferences.jsonl", fuzz::text(data, size));
    return fuzz::expectLoadedOrRefused([&] { readPreferenceFile(file); });
}
