#include "cli/progressline.h"

#include <cstdio>
#include <ostream>

namespace shiftscope {

ProgressLine::ProgressLine(std::ostream &err, std::string unit, bool terminal)
    : m_err(err), m_unit(std::move(unit)), m_terminal(terminal), m_start(Clock::now()), m_shown(m_start)
{
}

bool ProgressLine::update(std::int64_t done, std::int64_t total, const std::string &stage, Clock::time_point now)
{
    if (done < m_lastDone) { // a new phase counts from zero again
        m_firstDone = done;
        m_start = now;
    }
    m_lastDone = done;
    const bool finished = total > 0 && done >= total;
    const bool newStage = stage != m_stage;
    bool show;
    if (m_terminal) {
        // Redrawn in place: at once when something new starts or ends, else five times a second.
        show = newStage || finished || now - m_shown >= std::chrono::milliseconds(200);
    } else {
        // A log gets a line when a stage starts (at most one a second), every ten seconds within a long one, and
        // when the work is finished.
        show = (newStage && (!m_drawn || now - m_shown >= std::chrono::seconds(1)))
            || now - m_shown >= std::chrono::seconds(10) || (finished && !(m_finishedShown && !newStage));
    }
    m_stage = stage;
    if (!show)
        return true;
    m_shown = now;
    const double seconds = std::chrono::duration<double>(now - m_start).count();
    const double perSecond = seconds > 0 ? double(done - m_firstDone) / seconds : 0;
    m_err << (m_terminal ? "\r\033[K" : "") << describe(stage, done, total, m_unit, perSecond)
          << (m_terminal ? "" : "\n") << std::flush;
    m_drawn = true;
    m_finishedShown = finished;
    return true;
}

void ProgressLine::finish()
{
    if (m_terminal && m_drawn)
        m_err << "\r\033[K" << std::flush;
    m_drawn = false;
    m_stage.clear();
}

std::string ProgressLine::describe(const std::string &stage, std::int64_t done, std::int64_t total,
                                   const std::string &unit, double perSecond)
{
    std::string text = stage;
    char figures[128];
    if (total > 0) {
        std::snprintf(figures, sizeof figures, "  %3d%%", int(100 * std::min(done, total) / total));
        text += figures;
    }
    if (!unit.empty() && perSecond > 0) {
        std::snprintf(figures, sizeof figures, perSecond < 10 ? "  %.1f %s/s" : "  %.0f %s/s", perSecond, unit.c_str());
        text += figures;
    }
    if (total > 0 && perSecond > 0 && done < total) {
        const int eta = int(double(total - done) / perSecond);
        std::snprintf(figures, sizeof figures, "  ETA %dm%02ds", eta / 60, eta % 60);
        text += figures;
    }
    return text;
}

} // namespace shiftscope
