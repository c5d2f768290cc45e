#include "widgets/disagreements/cuedialog.h"

#include "util/errors.h"
#include "util/inputfile.h"
#include "widgets/shell/backgroundtask.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <sstream>

namespace shiftscope {

namespace {

enum Kind { Length, Regex, Words };

//! One word or phrase per line; blank lines and lines starting with '#' are skipped (as the cue command reads).
std::vector<std::string> wordsOf(const std::string &file)
{
    std::vector<std::string> words;
    std::istringstream lines(readInputFile(file, 16u << 20));
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(" \t\r");
        const auto last = line.find_last_not_of(" \t\r");
        if (first != std::string::npos && line[first] != '#')
            words.push_back(line.substr(first, last - first + 1));
    }
    return words;
}

QString percent(const std::optional<double> &value)
{
    return value ? QString::number(100 * *value, 'f', 1) + QLatin1Char('%') : QStringLiteral("–");
}

} // namespace

CueDialog::CueDialog(Workspace *workspace, TrustSubject subject, QWidget *parent)
    : QDialog(parent),
      m_workspacePath(workspace ? workspace->path() : std::filesystem::path()),
      m_subject(std::move(subject)),
      m_kind(new QComboBox(this)),
      m_pattern(new QLineEdit(this)),
      m_browse(new QPushButton(tr("Choose…"), this)),
      m_counterfactual(new QComboBox(this)),
      m_test(new QPushButton(tr("Test"), this)),
      m_figures(new QTableWidget(5, 2, this)),
      m_outcome(new QLabel(this))
{
    setWindowTitle(tr("Test a cue on %1").arg(m_subject.label));
    m_kind->addItem(tr("Response length"), Length);
    m_kind->addItem(tr("Regular expression"), Regex);
    m_kind->addItem(tr("Word list file"), Words);
    m_kind->setCurrentIndex(1);
    m_pattern->setPlaceholderText(tr("e.g. ^Sure! or As an AI"));
    m_counterfactual->addItem(tr("Remove the cue from every response"), int(CounterfactualKind::Remove));
    m_counterfactual->addItem(tr("Swap it to the other response"), int(CounterfactualKind::Swap));
    m_counterfactual->addItem(tr("None"), int(CounterfactualKind::None));
    m_figures->setHorizontalHeaderLabels({qs(m_subject.source), qs(m_subject.target)});
    m_figures->setVerticalHeaderLabels({tr("Pairs the cue tells apart"), tr("Accuracy of the cue alone"),
                                        tr("Agreement with the cue"), tr("Partial correlation (label fixed)"),
                                        tr("Accuracy of the unit")});
    m_figures->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_figures->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_figures->setObjectName(QStringLiteral("cueFigures"));
    m_figures->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents); // five rows, no empty area
    m_figures->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_outcome->setWordWrap(true);
    m_outcome->setTextFormat(Qt::RichText);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setObjectName(QStringLiteral("cueOutcome"));

    auto *pattern = new QHBoxLayout;
    pattern->addWidget(m_pattern, 1);
    pattern->addWidget(m_browse);
    auto *form = new QFormLayout;
    form->addRow(tr("Cue"), m_kind);
    form->addRow(tr("Pattern or file"), pattern);
    form->addRow(tr("Counterfactual target"), m_counterfactual);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_test, QDialogButtonBox::ActionRole);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("How much of <b>%1</b>'s preferences on %2 → %3 does a cue explain?")
                                     .arg(m_subject.label.toHtmlEscaped(), qs(m_subject.source).toHtmlEscaped(),
                                          qs(m_subject.target).toHtmlEscaped()),
                                 this));
    layout->addLayout(form);
    layout->addWidget(m_figures);
    layout->addWidget(m_outcome);
    layout->addStretch(1);
    layout->addWidget(buttons);
    resize(780, 440);

    connect(m_kind, &QComboBox::currentIndexChanged, this, &CueDialog::kindChanged);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString file = FileDialogs::openFile(this, tr("Word list (one word or phrase a line)"),
                                                   tr("Text files (*.txt);;All files (*)"));
        if (!file.isEmpty())
            m_pattern->setText(file);
    });
    connect(m_test, &QPushButton::clicked, this, &CueDialog::test);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    kindChanged();
}

CueDialog::~CueDialog() { wait(); }

void CueDialog::kindChanged()
{
    const int kind = m_kind->currentData().toInt();
    m_pattern->setEnabled(kind != Length);
    m_browse->setVisible(kind == Words);
    m_counterfactual->setEnabled(kind != Length);
    m_counterfactual->setToolTip(kind == Length ? tr("A length cannot be taken out of a response") : QString());
}

void CueDialog::test()
{
    if (m_workspacePath.empty() || (m_task && m_task->isRunning()))
        return;
    const int kind = m_kind->currentData().toInt();
    std::optional<Cue> cue;
    try {
        if (kind == Length)
            cue = Cue::length();
        else if (kind == Regex)
            cue = Cue::regex(ss(m_pattern->text()), tr("the pattern").toStdString());
        else
            cue = Cue::words(wordsOf(ss(m_pattern->text())), ss(m_pattern->text()));
    } catch (const std::exception &e) {
        m_outcome->setText(tr("<span style=\"color:#b00020\">%1</span>").arg(qs(e.what()).toHtmlEscaped()));
        return;
    }
    CueRequest request;
    request.runId = m_subject.runId;
    request.intervention = m_subject.intervention;
    request.source = m_subject.source;
    request.target = m_subject.target;
    request.counterfactual = CounterfactualKind(m_counterfactual->currentData().toInt());
    const std::filesystem::path path = m_workspacePath;
    auto report = std::make_shared<CueReport>();
    m_test->setEnabled(false);
    m_outcome->setText(tr("Testing %1…").arg(qs(cue->describe()).toHtmlEscaped()));
    delete m_task;
    m_task =
        new BackgroundTask(BackgroundTask::inWorkspace(
                               path,
                               [request, report, c = *cue](Workspace &ws, const ProgressCallback &progress) mutable {
        request.progress = progress;
        *report = analyseCue(ws, request, c);
                               }),
                           this);
    connect(m_task, &BackgroundTask::progress, this, [this](qint64 done, qint64 total, const QString &stage, double) {
        m_outcome->setText(total > 0 ? tr("%1: %2 of %3 pairs…").arg(stage.toHtmlEscaped()).arg(done).arg(total)
                                     : tr("%1…").arg(stage.toHtmlEscaped()));
    });
    connect(m_task, &BackgroundTask::failed, this, [this](const QString &message) {
        m_outcome->setText(tr("<span style=\"color:#b00020\">%1</span>").arg(message.toHtmlEscaped()));
    });
    connect(m_task, &BackgroundTask::succeeded, this, [this, report] {
        showReport(*report);
        emit tested();
    });
    connect(m_task, &BackgroundTask::finished, this, [this] { m_test->setEnabled(true); });
    m_task->start();
}

void CueDialog::wait()
{
    if (m_task)
        m_task->wait();
}

void CueDialog::showReport(const CueReport &report)
{
    auto column = [&](int c, const std::optional<CueFigures> &f) {
        const QString told = f ? QString::number(100.0 * f->cuePairs / std::max(1, f->pairs), 'f', 1) + QLatin1Char('%')
                               : QString();
        const QStringList cells = {f ? told : QStringLiteral("–"), percent(f ? f->cueAccuracy : std::nullopt),
                                   percent(f ? f->agreement : std::nullopt),
                                   f && f->partialCorrelation ? QString::asprintf("%+.3f", *f->partialCorrelation)
                                                              : QStringLiteral("–"),
                                   percent(f ? f->accuracy : std::nullopt)};
        for (int r = 0; r < int(cells.size()); ++r) {
            auto *item = new QTableWidgetItem(cells[r]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_figures->setItem(r, c, item);
        }
    };
    column(0, report.source);
    column(1, report.target);
    QString text = tr("Cue: <b>%1</b>. ").arg(qs(report.cue).toHtmlEscaped());
    if (report.counterfactual == CounterfactualKind::None || !report.counterfactualAccuracy) {
        text += tr("No counterfactual target.");
    } else {
        text += tr("On the counterfactual target (%1 pairs changed) the unit's accuracy is <b>%2</b> (95% CI "
                   "%3–%4), a change of <b>%5</b> (paired 95% CI %6 to %7).")
                    .arg(report.changedPairs)
                    .arg(percent(report.counterfactualAccuracy))
                    .arg(percent(report.counterfactualInterval->low))
                    .arg(percent(report.counterfactualInterval->high))
                    .arg(QString::asprintf("%+.3f", *report.change))
                    .arg(QString::asprintf("%+.3f", report.changeInterval->low))
                    .arg(QString::asprintf("%+.3f", report.changeInterval->high));
    }
    if (const auto &e = report.erasure)
        text += tr("<br>With the cue's direction erased from the probe's activations (fitted on the source) and the "
                   "probe refitted, its target accuracy goes from <b>%1</b> to <b>%2</b> (95% CI %3–%4; change %5, "
                   "paired 95% CI %6 to %7) and it agrees with the cue on %8 of the pairs instead of %9.")
                    .arg(percent(e->accuracyBefore))
                    .arg(percent(e->accuracyAfter))
                    .arg(percent(e->intervalAfter.low))
                    .arg(percent(e->intervalAfter.high))
                    .arg(QString::asprintf("%+.3f", e->change))
                    .arg(QString::asprintf("%+.3f", e->changeInterval.low))
                    .arg(QString::asprintf("%+.3f", e->changeInterval.high))
                    .arg(percent(e->after.agreement))
                    .arg(percent(report.target.agreement));
    if (!report.erasureSkipped.empty())
        text += tr("<br>No erasure of the cue's direction: %1").arg(qs(report.erasureSkipped).toHtmlEscaped());
    m_outcome->setText(text);
}

} // namespace shiftscope
