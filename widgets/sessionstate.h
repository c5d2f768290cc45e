#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace shiftscope {

//! What a session file holds: enough to reopen the same workspace at the same selection, filters and view on a
//! colleague's machine. Evaluations are named by their results path, which is stable across workspaces.
struct SessionState {
    static constexpr int kVersion = 1;

    QString workspace;
    QString catalogue;
    QString shiftSource;
    QString shiftTarget;
    QString tab;                  //!< the tab's title, e.g. "Disagreements"
    QString model;
    QStringList interventions;
    int shiftSet = 0;             //!< ShiftSet
    QString disagreementDistribution;
    QStringList disagreementEvaluations;  //!< results paths
    int disagreementMode = 0;
    double confidenceLow = 0.0;
    double confidenceHigh = 1.0;
    QString search;
    int pairIndex = -1;
    bool presentation = false;

    QJsonObject toJson() const;
    //! Parses a session; returns false with `error` set when the JSON is not a session of a known version.
    static bool fromJson(const QJsonObject &json, SessionState &state, QString *error);
    bool save(const QString &path, QString *error) const;
    static bool load(const QString &path, SessionState &state, QString *error);
};

} // namespace shiftscope
