#pragma once

#include <QColor>
#include <QString>

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

//! Colour-blind-safe series colours (Okabe and Ito's seven without yellow, then three of Tol's muted set), by
//! series index; wraps around after kSeriesColours.
QColor seriesColour(int index);
constexpr int kSeriesColours = 10;
//! The series colour an intervention takes when it is free (the GENIES methods have fixed ones, so that lora is
//! blue in every workspace), else -1. A run's or seed group's name ("lora · run 4") counts as its intervention's.
int preferredColourSlot(const QString &intervention);
//! Fixed colours for the reference bars that accompany every intervention.
QColor baselineColour();
QColor capabilityColour();

} // namespace shiftscope
