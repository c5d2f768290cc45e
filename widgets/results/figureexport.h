#pragma once

#include <QSize>
#include <QString>

class QAbstractItemModel;
class QWidget;

namespace shiftscope {

//! The settings key of the folder figures were last exported to, offered for the next export by every view.
inline constexpr const char *kFigureFolderKey = "results/exportFolder";

//! The size figures are exported at unless one is chosen: a 16:9 slide at full HD.
inline constexpr QSize kDefaultFigureSize{1920, 1080};

//! Renders `view` at `size` into `path`: SVG when the name ends in .svg, else a raster image in the format its
//! suffix names (.png, .jpg...). The view is resized for the rendering and restored afterwards, so what is
//! exported is laid out for the figure size, not for the window; a hidden view is shown off screen meanwhile. A
//! QChartView exports its chart alone. A widget whose `figureScalesToFit` property is true (a table) is laid out at
//! its size hint and scaled to fill the figure instead. On failure returns false and says why in `error`.
bool exportWidgetFigure(QWidget *view, const QString &path, QSize size = kDefaultFigureSize, QString *error = nullptr);

//! Asks where to export a figure (PNG or SVG), offering `fileName` in the folder figures were last exported to
//! (an absolute `fileName` stands as it is); the path with the chosen filter's suffix when it had none, or empty.
QString chooseFigurePath(QWidget *parent, const QString &fileName);
//! Remembers the folder of an exported file, offered for the next export.
void rememberFigureFolder(const QString &path);

//! Writes what `model` shows as CSV (UTF-8, RFC 4180 quoting): a header row, then every row in the model's order
//! (a sort proxy's current order) and every column, display text only. Line breaks in headers become spaces.
bool exportTableCsv(const QAbstractItemModel *model, const QString &path, QString *error = nullptr);
//! The CSV text exportTableCsv writes.
QString tableCsv(const QAbstractItemModel *model);

} // namespace shiftscope
