#include "widgets/disagreements/tokenevidenceview.h"

#include "widgets/results/figureexport.h"
#include "widgets/shell/qtconvert.h"

#include <QEvent>
#include <QFontInfo>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QLinearGradient>
#include <QLocale>
#include <QPaintEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace shiftscope {

namespace {

constexpr double kMinScale = 0.5;      //!< the smallest type on screen, where the height is too short
constexpr double kMinSlideScale = 0.3; //!< the smallest type in an exported figure: a long pair is shown whole
constexpr double kMaxSlideScale = 2.5; //!< the largest type in an exported figure
constexpr int kMaxShownSpaces = 8;     //!< runs of spaces longer than this show as this many dots and "…"

const QColor kInk(0x1a1a1a);
const QColor kMuted(0x5f6368);
const QColor kBandFill(0xf1f3f6);
const QColor kBoxEdge(0xb8bec8);
const QColor kNoValue(0xdcdcdc);
const QColor kPreferred(0x1b7f3b);
const QColor kDispreferred(0x8a4b08);
const QColor kWrong(0xb00020);

// ColorBrewer's RdBu (red to blue through white) and Purples (white to dark purple): colour-blind safe, and
// printable in grey.
const std::vector<QColor> kDiverging = {0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xffffff,
                                        0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac};
const std::vector<QColor> kSequential = {0xffffff, 0xefedf5, 0xdadaeb, 0xbcbddc, 0x9e9ac8,
                                         0x807dba, 0x6a51a3, 0x54278f, 0x3f007d};

//! `stops` evenly spread over [0, 1], linearly interpolated.
QColor ramp(const std::vector<QColor> &stops, double t)
{
    const double x = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0) * double(stops.size() - 1);
    const std::size_t i = std::min(std::size_t(x), stops.size() - 2);
    const double f = x - double(i);
    const QColor &a = stops[i], &b = stops[i + 1];
    return QColor::fromRgbF(float(a.redF() + f * (b.redF() - a.redF())),
                            float(a.greenF() + f * (b.greenF() - a.greenF())),
                            float(a.blueF() + f * (b.blueF() - a.blueF())));
}

//! Dark ink on light boxes, white on dark ones.
QColor inkOn(const QColor &background)
{
    const double luminance = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return luminance < 0.5 ? QColor(Qt::white) : kInk;
}

//! A value as the figure prints it: 3 or 4 significant digits, a typographic minus, a plus where signs matter.
QString figureNumber(double value, int digits, bool plus)
{
    if (std::isnan(value))
        return QStringLiteral("–");
    QString text = QString::number(value, 'g', digits);
    if (text.startsWith(QLatin1Char('-')))
        text.replace(0, 1, QChar(0x2212));
    else if (plus && value > 0)
        text.prepend(QLatin1Char('+'));
    return text;
}

//! The value at full precision, as a tooltip gives it.
QString exactNumber(double value)
{
    return std::isnan(value) ? QObject::tr("no value") : QString::number(value, 'g', QLocale::FloatingPointShortest);
}

//! `text` with its whitespace and control characters made visible: spaces as '·' (a space inside words kept),
//! a line break as '↵', a tab as '⇥', other control characters as their Unicode pictures.
QString visible(const QString &text, bool dotEverySpace)
{
    QString out;
    int spaces = 0;
    auto flushSpaces = [&](bool inside) {
        if (inside && !dotEverySpace && spaces == 1)
            out += QLatin1Char(' ');
        else
            out += spaces > kMaxShownSpaces ? QString(kMaxShownSpaces, QChar(0xb7)) + QChar(0x2026)
                                            : QString(spaces, QChar(0xb7));
        spaces = 0;
    };
    for (const QChar c : text) {
        if (c == QLatin1Char(' ')) {
            ++spaces;
            continue;
        }
        if (spaces > 0)
            flushSpaces(!out.isEmpty());
        if (c == QLatin1Char('\n'))
            out += QChar(0x21b5);
        else if (c == QLatin1Char('\r'))
            continue; // "\r\n" is one line break
        else if (c == QLatin1Char('\t'))
            out += QChar(0x21e5);
        else if (c.unicode() < 0x20)
            out += QChar(0x2400 + c.unicode());
        else if (c.unicode() == 0x7f)
            out += QChar(0x2421);
        else
            out += c;
    }
    if (spaces > 0)
        flushSpaces(false);
    return out;
}

//! The font at a pixel size, so that text has the same size on the screen, in a PNG and in an SVG.
QFont pixelFont(const QFont &base, double factor, bool bold = false)
{
    QFont font = base;
    font.setPixelSize(std::max(1, int(std::lround(QFontInfo(base).pixelSize() * factor))));
    font.setBold(bold);
    return font;
}

struct Fonts {
    QFont text, bold, title, small;
};

Fonts fontsOf(const QFont &base)
{
    return {pixelFont(base, 1.0), pixelFont(base, 1.0, true), pixelFont(base, 1.6, true), pixelFont(base, 0.88)};
}

QString rowName(int row) { return row == 0 ? QObject::tr("Preferred") : QObject::tr("Dispreferred"); }

//! The value the darkest colour of an unsigned track stands for: its largest magnitude, with the values' sign.
double darkest(const TokenTrack &track, double scale)
{
    for (const auto &values : track.values)
        if (std::any_of(values.begin(), values.end(), [](double v) { return v < 0; }))
            return -scale;
    return scale;
}

//! The legend's labels: what its left and right ends stand for.
std::pair<QString, QString> legendEnds(const TokenTrack &track, double scale)
{
    if (track.signedValues)
        return {figureNumber(-scale, 3, true), figureNumber(scale, 3, true)};
    return {figureNumber(0, 3, false), figureNumber(darkest(track, scale), 3, false)};
}

} // namespace

struct TokenEvidenceView::Piece {
    QString text;             //!< the token as it is, for the tooltip
    QString shown;            //!< whitespace made visible, a leading space left out
    double width = 0;         //!< of the box, in logical pixels
    bool spaceBefore = false; //!< a leading space: a gap before the box, as between words
    bool breakAfter = false;  //!< it ends a line of the response
};

struct TokenEvidenceView::Box {
    int track = 0, row = 0, index = 0;
    QRectF rect;
    QString shown; //!< elided when the box is cut to the width
};

struct TokenEvidenceView::Band {
    int track = 0;
    QRectF rect;                 //!< the band's background
    QRectF header;               //!< intervention · quantity · which response it scores higher
    bool verdict = true;         //!< whether the header has room for the verdict
    QRectF legend;               //!< the colour scale with its extremes
    QRectF note;                 //!< how the values were read, wrapped
    std::array<QRectF, 2> label; //!< "Preferred", "Dispreferred"
    std::array<QRectF, 2> total; //!< each response's total
};

struct TokenEvidenceView::Layout {
    double width = 0;
    double height = 0;
    double scale = 1; //!< the factor the layout is painted at
    QRectF title, subtitle, prompt, message;
    QString titleShown, subtitleShown, promptShown;
    std::vector<Band> bands;
    std::vector<Box> boxes;                        //!< by track, row, then token
    std::vector<std::array<std::size_t, 2>> first; //!< index in boxes of each track's rows' first token
};

TokenEvidenceView::TokenEvidenceView(QWidget *parent) : QWidget(parent)
{
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

TokenEvidenceView::~TokenEvidenceView() = default;

void TokenEvidenceView::setEvidence(const TokenEvidence &evidence)
{
    m_evidence = evidence;
    m_message.clear();
    prepare();
}

void TokenEvidenceView::setCaption(const QString &title, const QString &subtitle)
{
    m_title = title;
    m_subtitle = subtitle;
    setWindowTitle(title); // an SVG's title
    invalidate();
}

void TokenEvidenceView::clear(const QString &message)
{
    m_evidence.reset();
    m_message = message;
    prepare();
}

void TokenEvidenceView::prepare()
{
    m_pieces.clear();
    m_scale.clear();
    if (m_evidence) {
        const Fonts fonts = fontsOf(font());
        const QFontMetricsF metrics(fonts.text);
        const double pad = 0.25 * metrics.averageCharWidth() + 2;
        const double narrowest = 0.6 * metrics.averageCharWidth() + 2 * pad;
        for (const TokenTrack &track : m_evidence->tracks) {
            std::array<std::vector<Piece>, 2> rows;
            double largest = 0;
            for (int r = 0; r < 2; ++r) {
                for (const std::string &token : track.tokens[std::size_t(r)]) {
                    Piece piece;
                    piece.text = qs(token);
                    QString text = piece.text;
                    if (text.startsWith(QChar(0x2581))) // SentencePiece's word boundary
                        text[0] = QLatin1Char(' ');
                    // One leading space before a word is the gap between words; more are shown.
                    piece.spaceBefore = text.size() > 1 && text[0] == QLatin1Char(' ') && text[1] != QLatin1Char(' ');
                    piece.shown = visible(piece.spaceBefore ? text.mid(1) : text, false);
                    piece.breakAfter = text.contains(QLatin1Char('\n'));
                    piece.width = std::max(narrowest, metrics.horizontalAdvance(piece.shown) + 2 * pad);
                    rows[std::size_t(r)].push_back(std::move(piece));
                }
                for (const double v : track.values[std::size_t(r)])
                    if (std::isfinite(v))
                        largest = std::max(largest, std::fabs(v));
            }
            m_pieces.push_back(std::move(rows));
            m_scale.push_back(largest > 0 ? largest : 1.0);
        }
    }
    invalidate();
}

void TokenEvidenceView::invalidate()
{
    m_layout.reset();
    updateGeometry();
    update();
}

TokenEvidenceView::Layout TokenEvidenceView::layoutAt(double width) const
{
    const Fonts fonts = fontsOf(font());
    const QFontMetricsF text(fonts.text), bold(fonts.bold), title(fonts.title), small(fonts.small);
    const double line = text.height();
    const double em = text.horizontalAdvance(QLatin1Char('M'));
    const double margin = line;
    const double boxHeight = std::round(line * 1.45);
    const double lineGap = std::round(line * 0.3);
    const double boxGap = 2;
    const double wordGap = text.horizontalAdvance(QLatin1Char(' ')) + boxGap;

    Layout layout;
    layout.width = width;
    const double left = margin, right = std::max(left + 4 * em, width - margin), inner = right - left;
    double y = margin;
    layout.titleShown = title.elidedText(m_title, Qt::ElideRight, inner);
    layout.title = QRectF(left, y, inner, title.height());
    y += title.height() + 0.2 * line;
    if (!m_subtitle.isEmpty()) {
        layout.subtitleShown = text.elidedText(m_subtitle, Qt::ElideRight, inner);
        layout.subtitle = QRectF(left, y, inner, line);
        y += line;
    }
    if (m_evidence && !m_evidence->prompt.empty()) {
        // Cut in the middle: templates put their preamble first, and the prompt's end says what it asks.
        layout.promptShown =
            text.elidedText(tr("Prompt: %1").arg(qs(m_evidence->prompt).simplified()), Qt::ElideMiddle, inner);
        layout.prompt = QRectF(left, y, inner, line);
        y += line;
    }
    y += 0.6 * line;
    if (!m_evidence) {
        const QRectF need = text.boundingRect(QRectF(0, 0, inner, 1e6), Qt::TextWordWrap, m_message);
        layout.message = QRectF(left, y, inner, need.height() + 2 * line);
        layout.height = layout.message.bottom() + margin;
        return layout;
    }

    const double labelWidth =
        std::max(bold.horizontalAdvance(rowName(0)), bold.horizontalAdvance(rowName(1))) + 0.8 * em;
    for (std::size_t t = 0; t < m_evidence->tracks.size(); ++t) {
        const TokenTrack &track = m_evidence->tracks[t];
        Band band;
        band.track = int(t);
        const double pad = 0.6 * line;
        const double x0 = left + pad, x1 = right - pad;
        double yy = y + pad;

        // The header, with the legend at its right where both fit on one line.
        const QString name = qs(track.intervention), quantity = QStringLiteral(" · ") + qs(track.quantity);
        const double nameWidth = bold.horizontalAdvance(name) + text.horizontalAdvance(quantity);
        const double verdictWidth = text.horizontalAdvance(tr("   scores the dispreferred response higher ✘"));
        const auto [low, high] = legendEnds(track, m_scale[t]);
        const double legendWidth = small.horizontalAdvance(low) + small.horizontalAdvance(high) + 9 * em;
        if (nameWidth + em + legendWidth <= x1 - x0) {
            band.header = QRectF(x0, yy, x1 - x0 - legendWidth - em, boxHeight);
            band.legend = QRectF(x1 - legendWidth, yy, legendWidth, boxHeight);
            band.verdict = nameWidth + verdictWidth <= band.header.width();
            yy += boxHeight;
        } else {
            band.header = QRectF(x0, yy, x1 - x0, boxHeight);
            band.verdict = nameWidth + verdictWidth <= band.header.width();
            band.legend = QRectF(x0, yy + boxHeight, std::min(legendWidth, x1 - x0), boxHeight);
            yy += 2 * boxHeight;
        }
        if (!track.note.empty()) {
            const QRectF need = small.boundingRect(QRectF(0, 0, x1 - x0, 1e6), Qt::TextWordWrap, qs(track.note));
            band.note = QRectF(x0, yy, x1 - x0, need.height());
            yy += need.height();
        }
        yy += 0.5 * line;

        // Each response: its label, its tokens wrapping to the width, its total at the first line's end. Where
        // the tokens would be left too little room, the label and the total get a line of their own.
        double totalWidth = 0;
        for (const double total : track.total)
            totalWidth = std::max(totalWidth, bold.horizontalAdvance(figureNumber(total, 4, track.signedValues))
                                                  + small.horizontalAdvance(tr("total ")));
        totalWidth += 0.8 * em;
        const bool stacked = x1 - x0 - labelWidth - totalWidth < 16 * em;
        const double tx0 = stacked ? x0 : x0 + labelWidth, tx1 = stacked ? x1 : x1 - totalWidth;
        std::array<std::size_t, 2> first = {0, 0};
        for (int r = 0; r < 2; ++r) {
            first[std::size_t(r)] = layout.boxes.size();
            band.label[std::size_t(r)] = QRectF(x0, yy, labelWidth, boxHeight);
            band.total[std::size_t(r)] = QRectF(x1 - totalWidth, yy, totalWidth, boxHeight);
            if (stacked)
                yy += boxHeight;
            double x = tx0, top = yy;
            bool breakPending = false;
            const auto &pieces = m_pieces[t][std::size_t(r)];
            for (std::size_t i = 0; i < pieces.size(); ++i) {
                const Piece &piece = pieces[i];
                double gap = x > tx0 ? (piece.spaceBefore ? wordGap : boxGap) : 0;
                const double w = std::min(piece.width, tx1 - tx0);
                if (breakPending || (x > tx0 && x + gap + w > tx1)) {
                    x = tx0;
                    gap = 0;
                    top += boxHeight + lineGap;
                }
                breakPending = piece.breakAfter;
                Box box;
                box.track = int(t);
                box.row = r;
                box.index = int(i);
                box.rect = QRectF(x + gap, top, w, boxHeight);
                box.shown = w < piece.width ? text.elidedText(piece.shown, Qt::ElideRight, std::max(0.0, w - 4))
                                            : piece.shown;
                layout.boxes.push_back(std::move(box));
                x += gap + w;
            }
            yy = top + boxHeight + (r == 0 ? 0.6 * line : 0);
        }
        layout.first.push_back(first);
        band.rect = QRectF(left, y, inner, yy + pad - y);
        layout.bands.push_back(band);
        y = band.rect.bottom() + 0.6 * line;
    }
    layout.height = std::ceil(y - 0.6 * line + margin);
    return layout;
}

const TokenEvidenceView::Layout &TokenEvidenceView::currentLayout() const
{
    if (m_layout && m_layoutSize == size())
        return *m_layout;
    const double w = std::max(width(), 80), h = std::max(height(), 40);
    const double most = m_slideType ? kMaxSlideScale : 1.0;
    auto fits = [&](double s) { return layoutAt(w / s).height * s <= h + 0.5; };
    double scale = most;
    if (!fits(most)) {
        // The largest type that fits the height: taller for narrower widths, so the search is on the factor.
        double lo = m_slideType ? kMinSlideScale : kMinScale, hi = most;
        if (fits(lo)) {
            for (int i = 0; i < 14; ++i) {
                const double mid = 0.5 * (lo + hi);
                (fits(mid) ? lo : hi) = mid;
            }
        }
        scale = lo;
    }
    m_layout = std::make_unique<Layout>(layoutAt(w / scale));
    m_layout->scale = scale;
    m_layoutSize = size();
    return *m_layout;
}

int TokenEvidenceView::heightForWidth(int width) const { return int(layoutAt(std::max(width, 80)).height); }

QSize TokenEvidenceView::sizeHint() const
{
    const int width = std::max(720, 60 * QFontMetrics(font()).averageCharWidth());
    return {width, heightForWidth(width)};
}

QSize TokenEvidenceView::minimumSizeHint() const { return {20 * QFontMetrics(font()).averageCharWidth(), 80}; }

QColor TokenEvidenceView::divergingColour(double t) { return ramp(kDiverging, 0.5 * (t + 1)); }

QColor TokenEvidenceView::sequentialColour(double t) { return ramp(kSequential, t); }

QColor TokenEvidenceView::tokenColour(int track, int row, int index) const
{
    if (!m_evidence || track < 0 || track >= int(m_evidence->tracks.size()) || row < 0 || row > 1)
        return {};
    const TokenTrack &t = m_evidence->tracks[std::size_t(track)];
    const auto &values = t.values[std::size_t(row)];
    if (index < 0 || index >= int(t.tokens[std::size_t(row)].size()))
        return {};
    const double value = index < int(values.size()) ? values[std::size_t(index)] : NAN;
    if (!std::isfinite(value))
        return kNoValue;
    const double scale = m_scale[std::size_t(track)];
    return t.signedValues ? divergingColour(value / scale) : sequentialColour(std::fabs(value) / scale);
}

QRectF TokenEvidenceView::tokenRect(int track, int row, int index) const
{
    const Layout &layout = currentLayout();
    if (track < 0 || track >= int(layout.first.size()) || row < 0 || row > 1 || index < 0
        || index >= int(m_pieces[std::size_t(track)][std::size_t(row)].size()))
        return {};
    const QRectF rect = layout.boxes[layout.first[std::size_t(track)][std::size_t(row)] + std::size_t(index)].rect;
    return QRectF(rect.topLeft() * layout.scale, rect.size() * layout.scale);
}

QString TokenEvidenceView::toolTipAt(QPoint pos) const
{
    if (!m_evidence)
        return {};
    const Layout &layout = currentLayout();
    const QPointF p = QPointF(pos) / layout.scale;
    for (const Box &box : layout.boxes) {
        if (!box.rect.contains(p))
            continue;
        const TokenTrack &track = m_evidence->tracks[std::size_t(box.track)];
        const auto &values = track.values[std::size_t(box.row)];
        const double value = box.index < int(values.size()) ? values[std::size_t(box.index)] : NAN;
        const QString token = m_pieces[std::size_t(box.track)][std::size_t(box.row)][std::size_t(box.index)].text;
        // Token texts are joined, not passed through arg(): a "%1" in a token must stay as it is.
        const QString where = tr("Token %1 of %2 of the %3 response")
                                  .arg(box.index + 1)
                                  .arg(track.tokens[std::size_t(box.row)].size())
                                  .arg(box.row == 0 ? tr("preferred") : tr("dispreferred"));
        return qs(track.intervention) + QStringLiteral(" · ") + qs(track.quantity) + QLatin1Char('\n') + where
             + QStringLiteral(": “") + (token.isEmpty() ? tr("(no text: part of a character)") : visible(token, true))
             + QStringLiteral("”\n") + exactNumber(value);
    }
    for (const Band &band : layout.bands) {
        const TokenTrack &track = m_evidence->tracks[std::size_t(band.track)];
        const double scale = m_scale[std::size_t(band.track)];
        if (band.legend.contains(p))
            return track.signedValues ? tr("Red: %1, white: 0, blue: %2 (the track's largest magnitude)")
                                            .arg(exactNumber(-scale), exactNumber(scale))
                                      : tr("White: 0, darkest: %1 (the track's largest magnitude)")
                                            .arg(exactNumber(darkest(track, scale)));
        for (int r = 0; r < 2; ++r)
            if (band.total[std::size_t(r)].contains(p))
                return tr("%1 scores the %2 response %3")
                    .arg(qs(track.intervention), r == 0 ? tr("preferred") : tr("dispreferred"),
                         exactNumber(track.total[std::size_t(r)]));
        if (band.header.contains(p) || band.note.contains(p))
            return qs(track.note);
    }
    return {};
}

bool TokenEvidenceView::exportFigure(const QString &path, QSize size, QString *error)
{
    // A copy of its own is rendered: in a scroll area, the view itself would be laid back to the area's width
    // before it is drawn, and the figure takes a type of its own.
    TokenEvidenceView figure;
    figure.setFont(font());
    figure.setCaption(m_title, m_subtitle);
    figure.m_evidence = m_evidence;
    figure.m_message = m_message;
    figure.m_slideType = true;
    figure.prepare();
    return exportWidgetFigure(&figure, path, size, error);
}

bool TokenEvidenceView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString tip = toolTipAt(help->pos());
        if (tip.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), tip, this);
        }
        return true;
    }
    return QWidget::event(event);
}

void TokenEvidenceView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::FontChange)
        prepare();
    QWidget::changeEvent(event);
}

void TokenEvidenceView::resizeEvent(QResizeEvent *event)
{
    m_layout.reset();
    QWidget::resizeEvent(event);
}

void TokenEvidenceView::paintEvent(QPaintEvent *event)
{
    const Layout &layout = currentLayout();
    const Fonts fonts = fontsOf(font());
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.fillRect(rect(), Qt::white); // a figure: white in every theme
    painter.scale(layout.scale, layout.scale);
    const QRectF exposed = QRectF(event->rect()).adjusted(-1, -1, 1, 1);
    const QRectF visibleArea(exposed.topLeft() / layout.scale, exposed.size() / layout.scale);

    painter.setPen(kInk);
    painter.setFont(fonts.title);
    painter.drawText(layout.title, Qt::AlignLeft | Qt::AlignVCenter, layout.titleShown);
    painter.setPen(kMuted);
    painter.setFont(fonts.text);
    painter.drawText(layout.subtitle, Qt::AlignLeft | Qt::AlignVCenter, layout.subtitleShown);
    painter.drawText(layout.prompt, Qt::AlignLeft | Qt::AlignVCenter, layout.promptShown);
    if (!m_evidence) {
        painter.drawText(layout.message, Qt::AlignCenter | Qt::TextWordWrap, m_message);
        return;
    }

    const double radius = 3;
    for (const Band &band : layout.bands) {
        if (!band.rect.intersects(visibleArea))
            continue;
        const TokenTrack &track = m_evidence->tracks[std::size_t(band.track)];
        painter.setPen(Qt::NoPen);
        painter.setBrush(kBandFill);
        painter.drawRoundedRect(band.rect, 2 * radius, 2 * radius);

        // intervention · quantity, then which response the track scores higher
        const QFontMetricsF bold(fonts.bold), text(fonts.text), small(fonts.small);
        painter.setFont(fonts.bold);
        painter.setPen(kInk);
        const QString name = bold.elidedText(qs(track.intervention), Qt::ElideRight, band.header.width());
        painter.drawText(band.header, Qt::AlignLeft | Qt::AlignVCenter, name);
        double x = band.header.left() + bold.horizontalAdvance(name);
        painter.setFont(fonts.text);
        const QString quantity = text.elidedText(QStringLiteral(" · ") + qs(track.quantity), Qt::ElideRight,
                                                 std::max(0.0, band.header.right() - x));
        painter.drawText(QRectF(x, band.header.top(), band.header.right() - x, band.header.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, quantity);
        x += text.horizontalAdvance(quantity);
        const auto &totals = track.total;
        if (band.verdict && std::isfinite(totals[0]) && std::isfinite(totals[1])) {
            const QString verdict = totals[0] > totals[1] ? tr("   scores the preferred response higher ✔")
                                  : totals[0] < totals[1] ? tr("   scores the dispreferred response higher ✘")
                                                          : tr("   scores both responses the same");
            painter.setPen(totals[0] > totals[1] ? kPreferred : totals[0] < totals[1] ? kWrong : kMuted);
            painter.drawText(QRectF(x, band.header.top(), band.header.right() - x, band.header.height()),
                             Qt::AlignLeft | Qt::AlignVCenter, verdict);
        }

        // The legend: the scale's extremes on either side of its colour bar.
        const auto [low, high] = legendEnds(track, m_scale[std::size_t(band.track)]);
        painter.setFont(fonts.small);
        painter.setPen(kMuted);
        const double lowWidth = small.horizontalAdvance(low), highWidth = small.horizontalAdvance(high);
        const double gap = 0.5 * small.averageCharWidth();
        const QRectF bar(band.legend.left() + lowWidth + gap, band.legend.center().y() - 0.3 * small.height(),
                         std::max(8.0, band.legend.width() - lowWidth - highWidth - 2 * gap), 0.6 * small.height());
        painter.drawText(QRectF(band.legend.left(), band.legend.top(), lowWidth, band.legend.height()),
                         Qt::AlignRight | Qt::AlignVCenter, low);
        painter.drawText(QRectF(bar.right() + gap, band.legend.top(), highWidth + gap, band.legend.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, high);
        QLinearGradient gradient(bar.topLeft(), bar.topRight());
        const auto &stops = track.signedValues ? kDiverging : kSequential;
        for (std::size_t i = 0; i < stops.size(); ++i)
            gradient.setColorAt(double(i) / double(stops.size() - 1), stops[i]);
        painter.setBrush(gradient);
        painter.setPen(QPen(kBoxEdge, 1));
        painter.drawRect(bar);

        if (!band.note.isEmpty()) {
            painter.setPen(kMuted);
            painter.drawText(band.note, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, qs(track.note));
        }

        // Row labels and totals; the higher total in bold.
        for (int r = 0; r < 2; ++r) {
            painter.setFont(fonts.bold);
            painter.setPen(r == 0 ? kPreferred : kDispreferred);
            painter.drawText(band.label[std::size_t(r)], Qt::AlignLeft | Qt::AlignVCenter, rowName(r));
            const double total = totals[std::size_t(r)];
            const bool higher = std::isfinite(totals[0]) && std::isfinite(totals[1]) && total > totals[1 - r];
            const QString number = figureNumber(total, 4, track.signedValues);
            const QFontMetricsF numberMetrics(higher ? fonts.bold : fonts.text);
            const QRectF cell = band.total[std::size_t(r)];
            const double numberWidth = numberMetrics.horizontalAdvance(number);
            painter.setFont(higher ? fonts.bold : fonts.text);
            painter.setPen(kInk);
            painter.drawText(cell, Qt::AlignRight | Qt::AlignVCenter, number);
            painter.setFont(fonts.small);
            painter.setPen(kMuted);
            painter.drawText(QRectF(cell.left(), cell.top(), cell.width() - numberWidth, cell.height()),
                             Qt::AlignRight | Qt::AlignVCenter, tr("total "));
        }
    }

    // The tokens.
    painter.setFont(fonts.text);
    for (const Box &box : layout.boxes) {
        if (!box.rect.intersects(visibleArea))
            continue;
        const QColor fill = tokenColour(box.track, box.row, box.index);
        painter.setPen(QPen(kBoxEdge, 0.8));
        painter.setBrush(fill);
        painter.drawRoundedRect(box.rect.adjusted(0.4, 0.4, -0.4, -0.4), radius, radius);
        painter.setPen(inkOn(fill));
        painter.drawText(box.rect, Qt::AlignCenter, box.shown);
    }
}

} // namespace shiftscope
