#pragma once

#include "audit/auditreport.h"
#include "data/types.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! A model's context, for flagging pairs it would drop or cut. Tokenizers are not in core yet, so the caller says
//! how to count tokens.
struct ContextLimit {
    std::string model; //!< for messages
    int maxTokens = 0;
    //! Tokens of `prompt + response` as the model reads them (GENIES filters on prompt + response + EOS).
    std::function<int(std::string_view text)> countTokens;
};

struct StructureOptions {
    //! A text is of extreme length when its log length is this many robust deviations (1.4826 MAD) from the
    //! median and at least `extremeLengthRatio` times (or 1/ratio) the median length.
    double extremeLengthDeviations = 4.0;
    double extremeLengthRatio = 4.0;
    std::optional<ContextLimit> context; //!< when a model is chosen
};

//! Checks of a distribution's shape: identical and empty responses, the preferred response's position, broken
//! encodings, extreme lengths and, with a model, pairs longer than its context. Templates are TemplateCheck's.
class StructureChecks {
public:
    explicit StructureChecks(StructureOptions options = {});

    //! "structure.identical_responses", "structure.empty_text", "structure.preferred_position",
    //! "structure.encoding", "structure.extreme_length" and, with a context limit, "structure.context_length".
    std::vector<Finding> run(const std::string &distribution, const std::vector<Example> &train,
                             const std::vector<Example> &test, int cap) const;

private:
    StructureOptions m_options;
};

} // namespace shiftscope
