#pragma once

#include <QJsonObject>
#include <QString>

namespace shiftscope {

//! A view that keeps its own share of a session file. The main window stores what saveSessionState() returns under
//! sessionKey() and hands it back to restoreSessionState() when a session is opened, after the workspace, the
//! results context (model, interventions, shift set) and the selected shift are restored. The view decides what
//! its settings are; nothing outside it reads its controls.
class SessionParticipant {
public:
    virtual ~SessionParticipant() = default;

    //! The key of the view's object in a session file, e.g. "disagreements". Stable across versions.
    virtual QString sessionKey() const = 0;
    virtual QJsonObject saveSessionState() const = 0;
    //! Restores what saveSessionState() wrote; keys that are missing keep the view's defaults.
    virtual void restoreSessionState(const QJsonObject &state) = 0;
};

} // namespace shiftscope
