#pragma once

#include <QString>
#include <string>

namespace shiftscope {

inline QString qs(const std::string &text) { return QString::fromStdString(text); }
inline std::string ss(const QString &text) { return text.toStdString(); }

} // namespace shiftscope
