#include "util/errors.h"

namespace shiftscope {

std::string InputProblem::toString() const
{
    std::string text = file;
    if (!place.empty())
        text += (text.empty() ? "" : ": ") + place;
    text += (text.empty() ? "" : ": ") + message;
    if (!fix.empty())
        text += " (fix: " + fix + ")";
    return text;
}

namespace {
std::string joinProblems(const std::vector<InputProblem> &problems)
{
    std::string text;
    for (const auto &p : problems) {
        if (!text.empty())
            text += '\n';
        text += p.toString();
    }
    return text;
}
} // namespace

InputError::InputError(std::vector<InputProblem> problems)
    : std::runtime_error(joinProblems(problems)), m_problems(std::move(problems))
{
}

InputError::InputError(InputProblem problem) : InputError(std::vector<InputProblem>{std::move(problem)}) {}

} // namespace shiftscope
