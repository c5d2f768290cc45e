#include "widgets/audit/relabeldialog.h"

#include "widgets/shell/windowcover.h"

#include "annotation/relabelstats.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/auditstore.h"
#include "workspace/workspace.h"

#include <QKeyEvent>
#include <QLabel>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace shiftscope {

RelabelDialog::~RelabelDialog() = default;

void RelabelDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    if (!m_cover)
        m_cover = std::make_unique<WindowCover>(
            parentWidget(), tr("Blind relabelling: the data and results are hidden until the relabelling dialog "
                               "is closed."));
}

void RelabelDialog::hideEvent(QHideEvent *event)
{
    m_cover.reset();
    QDialog::hideEvent(event);
}

RelabelDialog::RelabelDialog(Workspace *workspace, const std::string &distribution, Split split,
                             const QString &annotator, std::uint64_t seed, QWidget *parent)
    : QDialog(parent),
      m_workspace(workspace),
      m_distribution(distribution),
      m_annotator(ss(annotator)),
      m_header(new QLabel(this)),
      m_view(new QTextBrowser(this)),
      m_footer(new QLabel(this))
{
    setWindowTitle(tr("Blind relabelling: %1").arg(qs(distribution)));
    resize(900, 700);
    const auto all = BlindOrder::queue(distribution, split, workspace->examples(distribution, split), seed);
    AuditStore store(*workspace);
    for (const auto &item : all)
        if (!store.judgement(item.distribution, item.split, item.exampleHash, item.dispreferred, m_annotator))
            m_queue.push_back(item);
    m_view->setFocusPolicy(Qt::NoFocus);
    auto *hint = new QLabel(
        tr("1 or A: the first response is better · 2 or B: the second · S skip · Backspace back · Esc stop"), this);
    hint->setStyleSheet(QStringLiteral("color: gray"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_footer);
    layout->addWidget(hint);
    showCurrent();
}

const BlindItem *RelabelDialog::currentItem() const
{
    return m_index < int(m_queue.size()) ? &m_queue[std::size_t(m_index)] : nullptr;
}

void RelabelDialog::showCurrent()
{
    updateFooter();
    const BlindItem *item = currentItem();
    if (!item) {
        m_header->setText(
            tr("<b>Done</b>: every pair of %1 has a judgement from %2.").arg(qs(m_distribution), qs(m_annotator)));
        m_view->setHtml(relabelSummaryHtml(*m_workspace));
        return;
    }
    m_header->setText(
        tr("<b>%1 left</b> · %2 · annotator %3").arg(remaining()).arg(qs(m_distribution), qs(m_annotator)));
    const auto record = m_workspace->exampleAt(item->distribution, item->split, item->position);
    if (!record) {
        m_view->setHtml(tr("<p>This example is no longer in the workspace; press S.</p>"));
        return;
    }
    const auto &r = record->example.responses;
    auto block = [](const QString &name, const std::string &text) {
        return QStringLiteral(
                   "<table width=\"100%\" cellpadding=\"6\" style=\"margin-top:8px;border:2px solid #455a64\">"
                   "<tr><td style=\"background:#455a64;color:white\"><b>%1</b></td></tr>"
                   "<tr><td><pre style=\"white-space:pre-wrap\">%2</pre></td></tr></table>")
            .arg(name, qs(text).toHtmlEscaped());
    };
    m_view->setHtml(
        QStringLiteral("<p><b>%1</b></p><pre style=\"white-space:pre-wrap;background:#f4f6f8;color:#111\">%2</pre>")
            .arg(tr("Prompt"), qs(record->example.prompt).toHtmlEscaped())
        + block(tr("Response A (1)"), r[std::size_t(item->shownFirst())].text)
        + block(tr("Response B (2)"), r[std::size_t(item->shownSecond())].text));
}

void RelabelDialog::pick(int choice)
{
    const BlindItem *item = currentItem();
    if (!item)
        return;
    AuditStore(*m_workspace).saveJudgement(BlindOrder::judge(*item, choice, m_annotator));
    ++m_index;
    showCurrent();
}

void RelabelDialog::updateFooter()
{
    const auto judgements = AuditStore(*m_workspace).judgements(m_distribution);
    std::vector<RelabelJudgement> mine;
    for (const auto &j : judgements)
        if (j.annotator == m_annotator)
            mine.push_back(j);
    const Agreement a = RelabelStats::agreement(mine, m_annotator);
    m_footer->setText(a.judged == 0
                          ? tr("No judgements yet.")
                          : tr("Agreement with the dataset label: %1% of %2 judged (95% CI %3–%4%), %5 skipped")
                                .arg(100.0 * a.rate, 0, 'f', 1)
                                .arg(a.judged)
                                .arg(100.0 * a.interval.low, 0, 'f', 1)
                                .arg(100.0 * a.interval.high, 0, 'f', 1)
                                .arg(a.skipped));
}

void RelabelDialog::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_1:
    case Qt::Key_A: pick(0); return;
    case Qt::Key_2:
    case Qt::Key_B: pick(1); return;
    case Qt::Key_S: pick(-1); return;
    case Qt::Key_Backspace:
        if (m_index > 0) {
            --m_index;
            showCurrent();
        }
        return;
    default: QDialog::keyPressEvent(event);
    }
}

QString relabelSummaryHtml(Workspace &workspace)
{
    const auto summary = RelabelStats::summarise(AuditStore(workspace).judgements());
    auto row = [](const Agreement &a) {
        return QStringLiteral("<tr><td>%1</td><td align=\"right\">%2</td><td "
                              "align=\"right\">%3%</td><td>%4–%5%</td><td align=\"right\">%6</td></tr>")
            .arg(qs(a.group.empty() ? std::string("all") : a.group).toHtmlEscaped())
            .arg(a.judged)
            .arg(100.0 * a.rate, 0, 'f', 1)
            .arg(100.0 * a.interval.low, 0, 'f', 1)
            .arg(100.0 * a.interval.high, 0, 'f', 1)
            .arg(a.skipped);
    };
    const QString head =
        QObject::tr("<tr><th align=\"left\">%1</th><th>judged</th><th>agree</th><th>95% CI</th><th>skipped</th></tr>");
    QString html = QObject::tr("<h3>Blind relabelling</h3><table cellpadding=\"4\">") + head.arg(QObject::tr("All"))
                 + row(summary.overall) + QStringLiteral("</table>");
    html += QObject::tr("<h4>By distribution</h4><table cellpadding=\"4\">") + head.arg(QObject::tr("Distribution"));
    for (const auto &a : summary.byDistribution)
        html += row(a);
    html += QObject::tr("</table><h4>By annotator</h4><table cellpadding=\"4\">") + head.arg(QObject::tr("Annotator"));
    for (const auto &a : summary.byAnnotator)
        html += row(a);
    html += QStringLiteral("</table>");
    if (!summary.kappas.empty()) {
        html +=
            QObject::tr("<h4>Between annotators (Cohen's kappa)</h4><table "
                        "cellpadding=\"4\"><tr><th>annotators</th><th>shared</th><th>observed</th><th>kappa</th></tr>");
        for (const auto &k : summary.kappas)
            html += QStringLiteral("<tr><td>%1 · %2</td><td align=\"right\">%3</td><td align=\"right\">%4</td><td "
                                   "align=\"right\">%5</td></tr>")
                        .arg(qs(k.first).toHtmlEscaped(), qs(k.second).toHtmlEscaped())
                        .arg(k.shared)
                        .arg(k.observed, 0, 'f', 3)
                        .arg(k.kappa ? QString::number(*k.kappa, 'f', 3) : QObject::tr("undefined"));
        html += QStringLiteral("</table>");
    }
    return html;
}

} // namespace shiftscope
