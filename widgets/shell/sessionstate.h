#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

namespace shiftscope {

//! What a session file holds: enough to reopen the same workspace at the same selection, filters and view on a
//! colleague's machine. The window's own state is here; each view that keeps settings (a SessionParticipant) has
//! its object under its key in `views`, written at the top level of the file (e.g. "disagreements").
struct SessionState {
    static constexpr int kVersion = 1;

    QString workspace;
    QString catalogue;
    QString shiftSource;
    QString shiftTarget;
    QString tab; //!< the tab's view name (e.g. "disagreements"); older files hold its title
    QString model;
    QStringList interventions;
    int shiftSet = 0; //!< ShiftSet
    int capabilityRule = 0; //!< CapabilityRule
    bool presentation = false;
    QMap<QString, QJsonObject> views; //!< SessionParticipant::sessionKey() -> its state

    QJsonObject toJson() const;
    //! Parses a session; returns false with `error` set when the JSON is not a session of a known version.
    static bool fromJson(const QJsonObject &json, SessionState &state, QString *error);
    bool save(const QString &path, QString *error) const;
    static bool load(const QString &path, SessionState &state, QString *error);
};

} // namespace shiftscope
