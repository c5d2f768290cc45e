// The input file of `shiftscope-cli forward`: cases of token ids and attention masks, read for a model of 1,000
// tokens.
#include "fuzztarget.h"

#include "engine/model/forwardcases.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("cases.json", fuzz::text(data, size));
    return fuzz::expectLoadedOrRefused([&] { readForwardCases(file.string(), 1000); });
}
