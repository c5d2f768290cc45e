#pragma once

#include <QColor>

class QChart;
class QWidget;

namespace shiftscope {

//! Presentation mode for talks: large fonts (20 pt) and a high-contrast palette on `root` and everything below it,
//! the high-contrast chart theme with large chart fonts on every chart view below it. `on = false` restores the
//! normal look. Results views rebuild their charts on the palette change, so their series colours survive.
void applyPresentationStyle(QWidget *root, bool on);

//! Whether presentation mode is on for `widget` (set on it or on one of its ancestors).
bool presentationStyleOn(const QWidget *widget);

//! The theme and fonts of a chart in normal or presentation mode. Call it after adding the series and axes: a
//! theme change recolours the series, so set explicit series colours afterwards.
void styleChart(QChart *chart, bool presentation);

//! Colour-blind-safe series colours (Okabe and Ito), by series index; wraps around.
QColor seriesColour(int index);
//! Fixed colours for the reference bars that accompany every intervention.
QColor baselineColour();
QColor capabilityColour();

} // namespace shiftscope
