#include "widgets/results/figureexport.h"

#include "widgets/shell/filedialogs.h"

#include <QAbstractScrollArea>

#include <QAbstractItemModel>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QCoreApplication>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QImage>
#include <QImageWriter>
#include <QPainter>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QWidget>
#include <algorithm>
#include <cmath>

namespace shiftscope {

namespace {

const char *const kScalesToFit = "figureScalesToFit";

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

//! Applies pending layouts now, widget and chart ones, instead of at the next pass of the event loop.
void settleLayouts(QWidget *widget)
{
    // Axes and series a view replaced are deleted later; without an event loop (a page after page export), their
    // labels would still be drawn.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QList<QChartView *> views = widget->findChildren<QChartView *>();
    if (auto *view = qobject_cast<QChartView *>(widget))
        views.append(view);
    for (QChartView *view : views)
        if (view->chart() && view->chart()->layout())
            view->chart()->layout()->activate();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
}

void renderChart(QChartView *view, QPainter &painter, QSize size)
{
    QChart *chart = view->chart();
    const QSizeF oldSize = chart->size();
    chart->resize(size);
    settleLayouts(view);
    painter.fillRect(QRect(QPoint(), size), chart->backgroundBrush().color());
    view->scene()->render(&painter, QRectF(QPointF(), size), QRectF(chart->pos(), QSizeF(size)));
    chart->resize(oldSize);
    settleLayouts(view);
}

//! Shows a hidden widget for a rendering, off screen, and hides it again. QWidget::render lays a hidden widget out
//! for its place in the window, whatever size it was given; a shown one renders at its own size.
class ShownForRendering {
public:
    explicit ShownForRendering(QWidget *widget)
    {
        // Pages of stacks and tabs are hidden explicitly; other children are hidden only until their window shows.
        for (QWidget *w = widget; w; w = w->parentWidget()) {
            if (w->isWindow()) {
                if (!w->isVisible())
                    m_window = w;
                break;
            }
            if (w->isHidden() && w->testAttribute(Qt::WA_WState_ExplicitShowHide))
                m_hidden.prepend(w);
        }
        if (m_window) {
            m_window->setAttribute(Qt::WA_DontShowOnScreen, true);
            m_window->show();
        }
        for (QWidget *w : m_hidden)
            w->show();
    }
    ~ShownForRendering()
    {
        for (auto w = m_hidden.rbegin(); w != m_hidden.rend(); ++w)
            (*w)->hide();
        if (m_window) {
            m_window->hide();
            m_window->setAttribute(Qt::WA_DontShowOnScreen, false);
        }
    }
    ShownForRendering(const ShownForRendering &) = delete;
    ShownForRendering &operator=(const ShownForRendering &) = delete;

private:
    QWidget *m_window = nullptr;
    QList<QWidget *> m_hidden; //!< outermost first
};

void renderWidget(QWidget *widget, QPainter &painter, QSize size)
{
    if (auto *view = qobject_cast<QChartView *>(widget)) {
        renderChart(view, painter, size);
        return;
    }
    const ShownForRendering shown(widget);
    // Layout work still pending in the window (showing posts some) would put the widget back in its place.
    settleLayouts(widget->window());
    // A figure sits on the base colour (white in every palette we use), not on the grey of the window.
    painter.fillRect(QRect(QPoint(), size), widget->palette().base());
    // A widget of a natural size (a table) is laid out at that size and scaled to fill the figure.
    double scale = 1;
    if (widget->property(kScalesToFit).toBool() && widget->sizeHint().isValid()) {
        const QSize natural = widget->sizeHint();
        scale = std::clamp(std::min(double(size.width()) / natural.width(), double(size.height()) / natural.height()),
                           0.1, 3.0);
    }
    // A figure has no scroll bars: what does not fit is scaled down, not scrolled.
    std::vector<std::pair<QAbstractScrollArea *, std::pair<Qt::ScrollBarPolicy, Qt::ScrollBarPolicy>>> areas;
    for (QAbstractScrollArea *area : widget->findChildren<QAbstractScrollArea *>()) {
        areas.push_back({area, {area->horizontalScrollBarPolicy(), area->verticalScrollBarPolicy()}});
        area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        area->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    }
    const QSize oldSize = widget->size();
    // Rounded up: a pixel short of its natural width, a table would scroll.
    const QSizeF laidOut = QSizeF(size) / scale;
    widget->resize(int(std::ceil(laidOut.width())), int(std::ceil(laidOut.height())));
    settleLayouts(widget);
    painter.save();
    painter.scale(scale, scale);
    widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
    painter.restore();
    widget->resize(oldSize);
    for (const auto &[area, policies] : areas) {
        area->setHorizontalScrollBarPolicy(policies.first);
        area->setVerticalScrollBarPolicy(policies.second);
    }
    settleLayouts(widget);
}

QString csvField(QString text)
{
    static const QString special = QStringLiteral(",\"\r\n");
    const bool quote = std::any_of(text.cbegin(), text.cend(), [](QChar c) { return special.contains(c); })
                    || text.startsWith(QLatin1Char(' ')) || text.endsWith(QLatin1Char(' '));
    if (!quote)
        return text;
    text.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + text + QLatin1Char('"');
}

} // namespace

bool exportWidgetFigure(QWidget *view, const QString &path, QSize size, QString *error)
{
    if (!view)
        return fail(error, QObject::tr("There is no figure to export."));
    if (size.width() < 16 || size.height() < 16 || size.width() > 16384 || size.height() > 16384)
        return fail(error, QObject::tr("A figure must be between 16 and 16384 pixels wide and high; %1×%2 is not.")
                               .arg(size.width())
                               .arg(size.height()));
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(), size));
        // Fonts are laid out in the widgets' resolution; the generator's default 72 dpi would shrink the text.
        svg.setResolution(view->logicalDpiX());
        svg.setTitle(view->windowTitle().isEmpty() ? QFileInfo(path).completeBaseName() : view->windowTitle());
        svg.setDescription(QObject::tr("Exported by ShiftScope"));
        QPainter painter;
        if (!painter.begin(&svg))
            return fail(error, QObject::tr("Cannot write %1.").arg(path));
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        renderWidget(view, painter, size);
        painter.end();
        if (QFileInfo(path).size() <= 0)
            return fail(error, QObject::tr("Cannot write %1.").arg(path));
        return true;
    }
    if (suffix.isEmpty() || !QImageWriter::supportedImageFormats().contains(suffix.toLatin1()))
        return fail(error, QObject::tr("%1: choose a name ending in .png or .svg.").arg(QFileInfo(path).fileName()));
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        renderWidget(view, painter, size);
    }
    QImageWriter writer(path, suffix.toLatin1());
    if (!writer.write(image))
        return fail(error, QObject::tr("Cannot write %1: %2").arg(path, writer.errorString()));
    return true;
}

namespace {
//! A cell as the CSV holds it: a number at full precision (its shortest round-trip form), whatever the view rounds
//! it to, else the text shown.
QString csvValue(const QModelIndex &index)
{
    const QVariant value = index.data(Qt::EditRole);
    if (value.typeId() == QMetaType::Double || value.typeId() == QMetaType::Float)
        return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    return index.data(Qt::DisplayRole).toString();
}
} // namespace

QString tableCsv(const QAbstractItemModel *model)
{
    QString text;
    if (!model)
        return text;
    const int columns = model->columnCount();
    auto appendLine = [&text](const QStringList &fields) { text += fields.join(QLatin1Char(',')) + QLatin1Char('\n'); };
    QStringList fields;
    for (int c = 0; c < columns; ++c)
        fields << csvField(
            model->headerData(c, Qt::Horizontal).toString().replace(QLatin1Char('\n'), QLatin1Char(' ')));
    appendLine(fields);
    for (int r = 0; r < model->rowCount(); ++r) {
        fields.clear();
        for (int c = 0; c < columns; ++c)
            fields << csvField(csvValue(model->index(r, c)));
        appendLine(fields);
    }
    return text;
}

bool exportTableCsv(const QAbstractItemModel *model, const QString &path, QString *error)
{
    if (!model)
        return fail(error, QObject::tr("This view has no table to export."));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QObject::tr("Cannot write %1: %2").arg(path, file.errorString()));
    file.write(tableCsv(model).toUtf8());
    if (!file.commit())
        return fail(error, QObject::tr("Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

QString chooseFigurePath(QWidget *parent, const QString &fileName)
{
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString folder = QSettings().value(QLatin1String(kFigureFolderKey), pictures).toString();
    QString filter = QCoreApplication::translate("FigureExport", "PNG image (*.png)");
    QString path = FileDialogs::saveFile(
        parent, QCoreApplication::translate("FigureExport", "Export figure"),
        QCoreApplication::translate("FigureExport", "PNG image (*.png);;SVG vector image (*.svg)"),
        QFileInfo(folder, fileName).absoluteFilePath(), &filter);
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
        path += filter.contains(QLatin1String("svg")) ? QStringLiteral(".svg") : QStringLiteral(".png");
    return path;
}

void rememberFigureFolder(const QString &path)
{
    QSettings().setValue(QLatin1String(kFigureFolderKey), QFileInfo(path).absolutePath());
}

} // namespace shiftscope
