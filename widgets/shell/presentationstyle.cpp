#include "widgets/shell/presentationstyle.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QPalette>
#include <QWidget>
#include <QHash>
#include <array>

namespace shiftscope {

namespace {
const char *const kOnProperty = "shiftscopePresentation";
// What the root had set before presentation mode, so switching back restores an explicit font or palette.
const char *const kSavedFont = "shiftscopeSavedFont";
const char *const kSavedPalette = "shiftscopeSavedPalette";
constexpr double kPresentationPointSize = 20;

QPalette highContrastPalette()
{
    QPalette p;
    const QColor white(Qt::white), black(Qt::black);
    for (const auto group : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(group, QPalette::Window, white);
        p.setColor(group, QPalette::WindowText, black);
        p.setColor(group, QPalette::Base, white);
        p.setColor(group, QPalette::AlternateBase, QColor(0xeeeeee));
        p.setColor(group, QPalette::Text, black);
        p.setColor(group, QPalette::Button, QColor(0xe6e6e6));
        p.setColor(group, QPalette::ButtonText, black);
        p.setColor(group, QPalette::Highlight, QColor(0x0033aa));
        p.setColor(group, QPalette::HighlightedText, white);
        p.setColor(group, QPalette::ToolTipBase, QColor(0xffffe0));
        p.setColor(group, QPalette::ToolTipText, black);
        p.setColor(group, QPalette::PlaceholderText, QColor(0x333333));
        p.setColor(group, QPalette::Link, QColor(0x0000cc));
    }
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x555555));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x555555));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x555555));
    return p;
}

void setPointSize(QFont &font, double size, bool bold = false)
{
    font.setPointSizeF(size);
    font.setBold(bold);
}
} // namespace

void applyPresentationStyle(QWidget *root, bool on)
{
    if (!root || root->property(kOnProperty).toBool() == on)
        return;
    // The flag first: views that rebuild on the palette change below ask presentationStyleOn().
    root->setProperty(kOnProperty, on);
    if (on) {
        if (root->testAttribute(Qt::WA_SetFont))
            root->setProperty(kSavedFont, root->font());
        if (root->testAttribute(Qt::WA_SetPalette))
            root->setProperty(kSavedPalette, root->palette());
        QFont font = root->font();
        font.setPointSizeF(kPresentationPointSize);
        root->setFont(font);
        root->setPalette(highContrastPalette());
    } else {
        const QVariant font = root->property(kSavedFont);
        const QVariant palette = root->property(kSavedPalette);
        root->setFont(font.isValid() ? font.value<QFont>() : QFont());
        root->setPalette(palette.isValid() ? palette.value<QPalette>() : QPalette());
        root->setProperty(kSavedFont, {});
        root->setProperty(kSavedPalette, {});
    }
    QList<QChartView *> views = root->findChildren<QChartView *>();
    if (auto *view = qobject_cast<QChartView *>(root))
        views.prepend(view);
    for (QChartView *view : views)
        styleChart(view->chart(), presentationStyleOn(view));
}

bool presentationStyleOn(const QWidget *widget)
{
    for (; widget; widget = widget->parentWidget())
        if (widget->property(kOnProperty).toBool())
            return true;
    return false;
}

void styleChart(QChart *chart, bool presentation)
{
    if (!chart)
        return;
    chart->setTheme(presentation ? QChart::ChartThemeHighContrast : QChart::ChartThemeLight);
    // The high-contrast theme adds a drop shadow and shaded bands between ticks; both only add ink.
    chart->setDropShadowEnabled(false);
    chart->setBackgroundRoundness(0);
    chart->setAnimationOptions(QChart::NoAnimation);
    QFont title = chart->titleFont();
    setPointSize(title, presentation ? 24 : 13, true);
    chart->setTitleFont(title);
    QFont legend = chart->legend()->font();
    setPointSize(legend, presentation ? 18 : 10);
    chart->legend()->setFont(legend);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setShadesVisible(false);
        QFont labels = axis->labelsFont();
        setPointSize(labels, presentation ? 18 : 10);
        axis->setLabelsFont(labels);
        QFont axisTitle = axis->titleFont();
        setPointSize(axisTitle, presentation ? 20 : 11, true);
        axis->setTitleFont(axisTitle);
    }
}

QColor seriesColour(int index)
{
    // Okabe-Ito without its yellow, which vanishes on white, and black, kept for text; then Tol's muted indigo,
    // wine, olive and teal.
    static const std::array<QRgb, kSeriesColours> colours{0x0072b2, 0xe69f00, 0x009e73, 0xcc79a7, 0x56b4e9,
                                                          0xd55e00, 0x332288, 0x882255, 0x999933, 0x44aa99};
    const auto size = int(colours.size());
    return QColor(colours[std::size_t(((index % size) + size) % size)]);
}

int preferredColourSlot(const QString &intervention)
{
    static const QHash<QString, int> preferred{
        {QStringLiteral("lora_fine_tuning"), 0},
        {QStringLiteral("lora"), 0},
        {QStringLiteral("mms"), 1},
        {QStringLiteral("zero_shot"), 2},
        {QStringLiteral("ccs"), 3},
        {QStringLiteral("few_shot"), 4},
        {QStringLiteral("prompt_tuning"), 5},
        {QStringLiteral("lat_stim_1"), 6},
        {QStringLiteral("cra"), 7},
        {QStringLiteral("linear_probe"), 8},
        {QStringLiteral("classify_lora"), 8},
        {QStringLiteral("lat_stim_2"), 9},
    };
    const QString base = intervention.section(QStringLiteral(" · "), 0, 0);
    return preferred.value(base, -1);
}

QColor baselineColour() { return QColor(0xa0a0a0); }
QColor capabilityColour() { return QColor(0x404040); }

} // namespace shiftscope
