#include "util/progress.h"

#include "util/errors.h"

namespace shiftscope {

void reportProgress(const ProgressCallback &progress, std::int64_t done, std::int64_t total, const std::string &stage)
{
    if (progress && !progress(done, total, stage))
        throw Cancelled();
}

} // namespace shiftscope
