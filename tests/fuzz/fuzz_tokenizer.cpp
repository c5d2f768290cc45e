// A tokenizer.json, loaded, then used on a few texts.
#include "fuzztarget.h"

#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("tokenizer.json", fuzz::text(data, size));
    return fuzz::expectLoadedOrRefused([&] {
        const Tokenizer tokenizer = Tokenizer::load(file);
        for (const char *sample : {"Hello world", " a  b\n\tc", "caf\xc3\xa9 \xe2\x96\x81x", ""})
            tokenizer.encode(sample, true);
    });
}
