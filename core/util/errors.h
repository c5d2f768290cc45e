#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace shiftscope {

//! One thing wrong with a user's input: where it is and how to fix it.
struct InputProblem {
    std::string file;    //!< path of the offending file (may be empty for problems about a folder)
    std::string place;   //!< e.g. "line 3, column 7" or "example 12"; empty when the whole file is meant
    std::string message; //!< what is wrong
    std::string fix;     //!< what the user can do about it

    std::string toString() const;
};

//! Bad input from the user. Carries every problem found, not only the first; the CLI maps it to exit code 2.
class InputError : public std::runtime_error {
public:
    explicit InputError(std::vector<InputProblem> problems);
    explicit InputError(InputProblem problem);
    const std::vector<InputProblem> &problems() const { return m_problems; }

private:
    std::vector<InputProblem> m_problems;
};

//! The user cancelled a long operation; whatever it was writing has been rolled back.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

} // namespace shiftscope
