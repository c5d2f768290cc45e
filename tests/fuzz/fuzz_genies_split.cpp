// A GENIES split file (train.json or test.json), as the data import reads it.
#include "fuzztarget.h"

#include "genies/distributionreader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("d/test.json", fuzz::text(data, size));
    std::vector<InputProblem> problems;
    return fuzz::expectLoadedOrRefused([&] { DistributionReader::readSplit(file, Split::Test, problems); });
}
