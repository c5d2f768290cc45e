#pragma once

#include "analysis/tokenevidence.h"

#include <QFont>
#include <QSize>
#include <QString>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

namespace shiftscope {

//! A figure of one pair read token by token, for a talk slide: a title, then one band per track (intervention and
//! quantity, a legend of its colour scale, which response it scores higher) with the preferred and the dispreferred
//! response as rows of coloured token boxes that wrap to the width, and each response's total at the row's end.
//! Signed tracks (rewards, projections) take a diverging red–white–blue scale, unsigned ones (log-probabilities) a
//! white-to-purple one where the largest magnitude is darkest; each track is normalised by its largest |value|.
class TokenEvidenceView : public QWidget {
    Q_OBJECT
public:
    explicit TokenEvidenceView(QWidget *parent = nullptr);
    ~TokenEvidenceView() override;

    void setEvidence(const TokenEvidence &evidence);
    //! The title and the line under it ("pair 3 of mixed · linear_probe · run 1").
    void setCaption(const QString &title, const QString &subtitle = {});
    //! Forgets the evidence and says `message` in its place (what is being computed, why there is none).
    void clear(const QString &message);
    const std::optional<TokenEvidence> &evidence() const { return m_evidence; }
    QString title() const { return m_title; }

    //! Renders the figure into `path` (SVG or a raster image, by suffix) at `size`, its type scaled to fill it.
    bool exportFigure(const QString &path, QSize size, QString *error = nullptr);

    //! Where token `index` of response `row` (0 preferred, 1 dispreferred) of track `track` is painted, in widget
    //! coordinates at the current size; empty when it is not (no such token, or not laid out).
    QRectF tokenRect(int track, int row, int index) const;
    //! The background of that token's box.
    QColor tokenColour(int track, int row, int index) const;
    //! What the tooltip says at `pos` (widget coordinates): the token and its exact value, or a track's note.
    QString toolTipAt(QPoint pos) const;

    //! The diverging scale of signed tracks at t in [-1, 1]: red at -1, white at 0, blue at +1.
    static QColor divergingColour(double t);
    //! The sequential scale of unsigned tracks at t in [0, 1]: white at 0, dark purple at 1.
    static QColor sequentialColour(double t);

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Box;
    struct Band;
    struct Layout;
    struct Piece;

    //! The figure laid out at `width` logical pixels (type at its own size).
    Layout layoutAt(double width) const;
    //! The layout for the current size and the factor it is painted at: 1 on screen (less where the height is
    //! short), up to the factor that fills the figure while exporting.
    const Layout &currentLayout() const;
    //! Splits each track's tokens into what is shown of them (whitespace made visible) and measures them.
    void prepare();
    void invalidate();

    std::optional<TokenEvidence> m_evidence;
    QString m_title;
    QString m_subtitle;
    QString m_message;
    std::vector<std::array<std::vector<Piece>, 2>> m_pieces; //!< per track, per row, per token
    std::vector<double> m_scale;                             //!< per track: the largest |value|
    bool m_slideType = false;                                //!< large type filling the figure while exporting
    mutable std::unique_ptr<Layout> m_layout;                //!< for m_layoutSize
    mutable QSize m_layoutSize;
};

} // namespace shiftscope
