#pragma once

#include "audit/auditreport.h"
#include "data/types.h"

#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! Prompt template consistency: how prompts end and which section markers they use. A few prompts that break the
//! distribution's template are usually flaws, and a template that changes between train and test is a cue.
class TemplateCheck {
public:
    //! "structure.prompt_ending" and "structure.section_markers".
    static std::vector<Finding> run(const std::string &distribution, const std::vector<Example> &train,
                                    const std::vector<Example> &test, int cap);

    //! The prompt's last non-empty line (its last 30 characters at most) with the trailing whitespace made
    //! visible: "### Response:\n".
    static std::string promptEnding(std::string_view prompt);

    //! Section markers in order of appearance: lines such as "### Instruction:" or "## User input:" (hashes,
    //! words, a colon) and speaker lines ("Human:", "Assistant:", ...).
    static std::vector<std::string> sectionMarkers(std::string_view prompt);
};

} // namespace shiftscope
