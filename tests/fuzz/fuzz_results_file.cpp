// A GENIES evaluation file of a results/ tree, read and checked as the results import does.
#include "fuzztarget.h"

#include "results/evaluationfile.h"
#include "util/inputfile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace shiftscope;
    const auto file = fuzz::writeScratch("evaluations/mms/llama-7b-a/a.json", fuzz::text(data, size));
    return fuzz::expectLoadedOrRefused([&] {
        const std::string bytes = readInputFile(file);
        checkJsonDepth(bytes, file);
        parseEvaluationFile(bytes, file.string());
    });
}
