#include "widgets/data/exampleview.h"

#include "widgets/audit/flagdialog.h"
#include "widgets/shell/qtconvert.h"
#include "util/utf8.h"

#include <QDateTime>
#include <QRegularExpression>

namespace shiftscope {

namespace {

//! A stored UTC time (ISO 8601) as the user's local date and minute; the stored text when it is not one.
QString localTime(const std::string &utc)
{
    const QDateTime time = QDateTime::fromString(qs(utc), Qt::ISODate);
    return time.isValid() ? time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : qs(utc);
}

QString escapedWithHighlight(const std::string &text, const QString &term)
{
    const QString plain = qs(text);
    if (term.isEmpty())
        return plain.toHtmlEscaped();
    QString html;
    qsizetype from = 0;
    while (true) {
        const qsizetype at = plain.indexOf(term, from, Qt::CaseInsensitive);
        if (at < 0)
            break;
        html += plain.mid(from, at - from).toHtmlEscaped();
        html += QStringLiteral("<span style=\"background-color:#ffe066;color:#000\">%1</span>")
                    .arg(plain.mid(at, term.size()).toHtmlEscaped());
        from = at + term.size();
    }
    return html + plain.mid(from).toHtmlEscaped();
}

} // namespace

ExampleView::ExampleView(QWidget *parent) : QTextBrowser(parent)
{
    setOpenLinks(false);
    setObjectName(QStringLiteral("exampleView"));
    clearExample();
}

void ExampleView::showExample(const ExampleRecord &record, const std::vector<Annotation> &annotations)
{
    m_record = record;
    m_annotations = annotations;
    render();
}

void ExampleView::setHighlight(const QString &term)
{
    m_highlight = term;
    if (m_record)
        render();
}

void ExampleView::clearExample(const QString &message)
{
    m_record.reset();
    m_annotations.clear();
    setHtml(QStringLiteral("<p style=\"color:gray\">%1</p>")
                .arg((message.isEmpty() ? tr("Select an example to read it in full.") : message).toHtmlEscaped()));
}

void ExampleView::render()
{
    const ExampleRecord &r = *m_record;
    const Example &e = r.example;
    QString html = QStringLiteral("<h3 style=\"margin:0\">%1 · %2 · example %3</h3>")
                       .arg(qs(r.distribution).toHtmlEscaped(), qs(std::string(splitName(r.split))))
                       .arg(e.position);
    html += tr("<p style=\"color:gray;margin:2px 0 8px 0\">%1 responses, %2 pairs · prompt %3 characters</p>")
                .arg(e.responses.size())
                .arg(e.pairCount())
                .arg(codePointCount(e.prompt));
    html += QStringLiteral("<p><b>%1</b></p>").arg(tr("Prompt"));
    html += QStringLiteral("<pre style=\"white-space:pre-wrap;background:#f4f6f8;color:#111;padding:6px\">%1</pre>")
                .arg(escapedWithHighlight(e.prompt, m_highlight));
    for (std::size_t i = 0; i < e.responses.size(); ++i) {
        const Response &response = e.responses[i];
        const bool preferred = response.label == 1;
        const QString badge = preferred ? tr("✔ Preferred") : tr("Dispreferred");
        const QString colour = preferred ? QStringLiteral("#1b7f3b") : QStringLiteral("#8a4b08");
        html += QStringLiteral("<table width=\"100%\" cellpadding=\"6\" style=\"margin-top:8px;border:2px solid %1\">"
                               "<tr><td style=\"background:%1;color:white\"><b>%2</b> · response %3 · %4</td></tr>"
                               "<tr><td><pre style=\"white-space:pre-wrap\">%5</pre></td></tr></table>")
                    .arg(colour, badge)
                    .arg(i)
                    .arg(tr("%n characters", nullptr, int(codePointCount(response.text))))
                    .arg(escapedWithHighlight(response.text, m_highlight));
    }
    if (!m_annotations.empty()) {
        html += QStringLiteral("<p><b>%1</b></p><ul>").arg(tr("Annotations"));
        for (const auto &a : m_annotations)
            html += QStringLiteral("<li><b>%1</b> on %2%3 by %4 (%5)%6</li>")
                        .arg(flagDisplayName(a.flag).toHtmlEscaped(), qs(std::string(subjectName(a.subject))),
                             a.responsePosition ? QStringLiteral(" %1").arg(*a.responsePosition) : QString(),
                             qs(a.author).toHtmlEscaped(), localTime(a.createdAt).toHtmlEscaped(),
                             a.note.empty() ? QString() : QStringLiteral(": ") + qs(a.note).toHtmlEscaped());
        html += QStringLiteral("</ul>");
    }
    setHtml(html);
}

} // namespace shiftscope
