#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace shiftscope {

//! The one progress display of shiftscope-cli: "STAGE  42%  180 pairs/s  ETA 1m20s" on stderr. On a terminal it is
//! redrawn in place (at once for a new stage or the end, else at most five times a second). Otherwise (logs of
//! scripted runs) a line is written when a stage starts (at most one a second), every ten seconds within a long
//! stage, and when the work is finished, so a log shows what ran, at what rate, without a line per item. A count
//! that starts again (a new phase) restarts the rate.
class ProgressLine {
public:
    using Clock = std::chrono::steady_clock;

    ProgressLine(std::ostream &err, std::string unit, bool terminal);

    //! Shows the new state when it is time to; always returns true (the command line cancels with Ctrl+C).
    bool update(std::int64_t done, std::int64_t total, const std::string &stage, Clock::time_point now = Clock::now());
    //! Clears the line on a terminal so the results print on a clean one.
    void finish();

    //! The text shown for a state, without the terminal's control characters.
    static std::string describe(const std::string &stage, std::int64_t done, std::int64_t total,
                                const std::string &unit, double perSecond);

private:
    std::ostream &m_err;
    std::string m_unit;
    bool m_terminal;
    bool m_drawn = false;
    bool m_finishedShown = false;
    std::string m_stage;
    Clock::time_point m_start;
    Clock::time_point m_shown;
    std::int64_t m_firstDone = 0; //!< the count when the rate's clock started (at construction, or a new phase)
    std::int64_t m_lastDone = 0;
};

} // namespace shiftscope
