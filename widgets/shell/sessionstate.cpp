#include "widgets/shell/sessionstate.h"

#include "widgets/shell/qtconvert.h"
#include "util/inputfile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <algorithm>

namespace shiftscope {

namespace {

//! The top-level keys of the window's own state; every other object at the top level is a view's.
const QStringList kWindowKeys = {QStringLiteral("shiftscope_session"),
                                 QStringLiteral("workspace"),
                                 QStringLiteral("catalogue"),
                                 QStringLiteral("shift"),
                                 QStringLiteral("tab"),
                                 QStringLiteral("model"),
                                 QStringLiteral("interventions"),
                                 QStringLiteral("shift_set"),
                                 QStringLiteral("presentation"),
                                 QStringLiteral("capability")};

} // namespace

QJsonObject SessionState::toJson() const
{
    QJsonObject json{
        {QStringLiteral("shiftscope_session"), kVersion},
        {QStringLiteral("workspace"), workspace},
        {QStringLiteral("catalogue"), catalogue},
        {QStringLiteral("shift"),
         QJsonObject{{QStringLiteral("source"), shiftSource}, {QStringLiteral("target"), shiftTarget}}},
        {QStringLiteral("tab"), tab},
        {QStringLiteral("model"), model},
        {QStringLiteral("interventions"), QJsonArray::fromStringList(interventions)},
        {QStringLiteral("shift_set"), shiftSet == 0 ? QStringLiteral("genies") : QStringLiteral("all")},
        {QStringLiteral("presentation"), presentation},
        {QStringLiteral("capability"), capabilityRule},
    };
    for (auto it = views.begin(); it != views.end(); ++it)
        if (!kWindowKeys.contains(it.key()))
            json.insert(it.key(), it.value());
    return json;
}

bool SessionState::fromJson(const QJsonObject &json, SessionState &state, QString *error)
{
    const int version = json.value(QStringLiteral("shiftscope_session")).toInt(-1);
    if (version < 1) {
        if (error)
            *error = QObject::tr("not a ShiftScope session (no \"shiftscope_session\" version)");
        return false;
    }
    if (version > kVersion) {
        if (error)
            *error = QObject::tr("written by a newer ShiftScope (session version %1); open it with a newer ShiftScope")
                         .arg(version);
        return false;
    }
    SessionState s;
    s.workspace = json.value(QStringLiteral("workspace")).toString();
    s.catalogue = json.value(QStringLiteral("catalogue")).toString();
    const QJsonObject shift = json.value(QStringLiteral("shift")).toObject();
    s.shiftSource = shift.value(QStringLiteral("source")).toString();
    s.shiftTarget = shift.value(QStringLiteral("target")).toString();
    s.tab = json.value(QStringLiteral("tab")).toString();
    s.model = json.value(QStringLiteral("model")).toString();
    for (const auto &v : json.value(QStringLiteral("interventions")).toArray())
        s.interventions << v.toString();
    s.shiftSet = json.value(QStringLiteral("shift_set")).toString() == QStringLiteral("all") ? 1 : 0;
    s.presentation = json.value(QStringLiteral("presentation")).toBool();
    s.capabilityRule = std::clamp(json.value(QStringLiteral("capability")).toInt(), 0, 2);
    for (auto it = json.begin(); it != json.end(); ++it)
        if (!kWindowKeys.contains(it.key()) && it.value().isObject())
            s.views.insert(it.key(), it.value().toObject());
    state = s;
    return true;
}

bool SessionState::save(const QString &path, QString *error) const
{
    if (ProtectedFiles::contains(ss(path))) { // replacing it would destroy the workspace under its connections
        if (error)
            *error = QStringLiteral("%1: this is an open workspace; choose another file for the session").arg(path);
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(QJsonDocument(toJson()).toJson());
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool SessionState::load(const QString &path, SessionState &state, QString *error)
{
    if (ProtectedFiles::contains(ss(path))) { // opening it would drop this process's SQLite locks on it
        if (error)
            *error = QStringLiteral("%1: this is an open workspace, not a session file").arg(path);
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (doc.isNull() || !doc.isObject()) {
        if (error)
            *error = QStringLiteral("%1: malformed JSON at offset %2 (%3)")
                         .arg(path)
                         .arg(parseError.offset)
                         .arg(parseError.errorString());
        return false;
    }
    QString why;
    if (!fromJson(doc.object(), state, &why)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, why);
        return false;
    }
    return true;
}

} // namespace shiftscope
