#include "widgets/disagreements/disagreementsview.h"

#include "data/worddiff.h"
#include "results/evaluationcomparison.h"
#include "widgets/disagreements/disagreementmodel.h"
#include "widgets/disagreements/tokenevidencedialog.h"
#include "widgets/disagreements/trustbar.h"
#include "analysis/attribution.h"
#include "widgets/shell/backgroundtask.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/results/resultscontext.h"
#include "results/resultstore.h"
#include "results/seedgroups.h"
#include "runs/runstore.h"
#include "workspace/workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <cmath>
#include <map>
#include <memory>
#include <set>

namespace shiftscope {

namespace {

//! Two evaluations side by side, as `compare` prints them. When one is a run's and the other is not, the run comes
//! first: its interval decides whether it reproduces the other (published) number.
QString comparisonText(Workspace &workspace, EvaluationInfo first, EvaluationInfo second)
{
    if (second.runId && !first.runId)
        std::swap(first, second);
    const auto c = compareEvaluations(workspace, first, second);
    if (!c)
        return QObject::tr("No comparison: an evaluation without probabilities.");
    const QString a = qs(first.label()).toHtmlEscaped();
    const QString b = qs(second.label()).toHtmlEscaped();
    auto n = [](double v) { return QString::number(v, 'f', 3); };
    QString text = QObject::tr("<b>%1</b> %2 (95% CI %3–%4), <b>%5</b> %6.")
                       .arg(a, n(c->accuracy), n(c->interval.low), n(c->interval.high), b, n(c->otherAccuracy));
    text += QObject::tr(" Difference %1").arg(QString::asprintf("%+.3f", c->difference));
    if (c->differenceInterval)
        text += QObject::tr(" (paired 95% CI %1 to %2)")
                    .arg(QString::asprintf("%+.3f", c->differenceInterval->low),
                         QString::asprintf("%+.3f", c->differenceInterval->high));
    text += QLatin1Char('.');
    if (c->mcnemar)
        text += QObject::tr(" McNemar exact p = %1 (%2 pairs only %3 gets right, %4 only %5).")
                    .arg(QString::number(c->mcnemar->pValue, 'g', 3))
                    .arg(c->mcnemar->onlyFirstRight)
                    .arg(a)
                    .arg(c->mcnemar->onlySecondRight)
                    .arg(b);
    else
        text += QObject::tr(" Their pairs do not line up with this workspace's data, so no pair-level test.");
    text += c->reproduces ? QObject::tr(" %1 lies within the interval of %2: <b>reproduced</b>.").arg(b, a)
                          : QObject::tr(" %1 lies outside the interval of %2: <b>not reproduced</b>.").arg(b, a);
    return text;
}
constexpr int kEvaluationIdRole = Qt::UserRole + 1;
constexpr int kPickKeyRole = Qt::UserRole + 2; //!< "model · intervention"
constexpr int kTrainRole = Qt::UserRole + 3;   //!< the training distribution, empty for none

QString pickKey(const EvaluationInfo &e) { return qs(e.model) + QStringLiteral(" · ") + qs(e.intervention); }

QString diffHtml(const std::string &preferred, const std::string &dispreferred)
{
    QString html;
    for (const auto &span : wordDiff(preferred, dispreferred)) {
        const QString text = qs(span.text).toHtmlEscaped();
        switch (span.kind) {
        case DiffSpan::Same: html += text; break;
        case DiffSpan::OnlyFirst:
            html += QStringLiteral("<span style=\"background:#c8f0d0;color:#0b5d1e\">%1</span>").arg(text);
            break;
        case DiffSpan::OnlySecond:
            html += QStringLiteral(
                        "<span style=\"background:#f9d0d4;color:#86181d;text-decoration:line-through\">%1</span>")
                        .arg(text);
            break;
        }
    }
    return html;
}
} // namespace

DisagreementsView::DisagreementsView(ResultsContext *context, QWidget *parent)
    : QWidget(parent),
      m_context(context),
      m_distribution(new QComboBox(this)),
      m_runs(new QListWidget(this)),
      m_allModels(new QCheckBox(tr("Every model's evaluations"), this)),
      m_mode(new QComboBox(this)),
      m_low(new QDoubleSpinBox(this)),
      m_high(new QDoubleSpinBox(this)),
      m_search(new QLineEdit(this)),
      m_count(new QLabel(this)),
      m_table(new QTableView(this)),
      m_agreement(new QTableWidget(2, 2, this)),
      m_comparison(new QLabel(this)),
      m_pairView(new QTextBrowser(this)),
      m_model(new DisagreementModel(this)),
      m_filter(new DisagreementFilter(this)),
      m_trust(new TrustBar(this))
{
    m_mode->addItem(tr("All pairs"), DisagreementFilter::AllPairs);
    m_mode->addItem(tr("First right, second wrong"), DisagreementFilter::FirstRightSecondWrong);
    m_mode->addItem(tr("First wrong, second right"), DisagreementFilter::FirstWrongSecondRight);
    m_mode->addItem(tr("All wrong"), DisagreementFilter::AllWrong);
    m_mode->addItem(tr("Possible label errors"), DisagreementFilter::PossibleLabelErrors);
    m_mode->addItem(tr("First two disagree"),
                    DisagreementFilter::FirstTwoDisagree); // new ones last: sessions keep indexes
    m_mode->addItem(tr("Least trusted fifth"), DisagreementFilter::LeastTrusted);
    for (QDoubleSpinBox *box : {m_low, m_high}) {
        box->setRange(0.0, 1.0);
        box->setSingleStep(0.05);
        box->setDecimals(2);
    }
    m_high->setValue(1.0);
    m_search->setPlaceholderText(tr("Search prompt and responses"));
    m_search->setClearButtonEnabled(true);
    m_runs->setToolTip(tr("Evaluations of this distribution; the first two checked are compared"));
    m_runs->setWordWrap(true); // long names are read whole
    m_runs->setTextElideMode(Qt::ElideNone);
    m_allModels->setToolTip(tr("List the evaluations of other models too, e.g. to put a run beside the published "
                               "evaluation it repeats"));

    m_filter->setSourceModel(m_model);
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(0, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setObjectName(QStringLiteral("disagreementTable"));

    m_agreement->setHorizontalHeaderLabels({tr("second wrong"), tr("second right")});
    m_agreement->setVerticalHeaderLabels({tr("first wrong"), tr("first right")});
    m_agreement->setEditTriggers(QAbstractItemView::NoEditTriggers);
    fitAgreementToFont();
    m_agreement->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_agreement->setToolTip(tr("Click a cell to list its pairs"));
    m_comparison->setObjectName(QStringLiteral("evaluationComparison"));
    m_comparison->setWordWrap(true);
    m_comparison->setTextFormat(Qt::RichText);
    m_comparison->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *filters = new QFormLayout;
    filters->addRow(tr("Distribution"), m_distribution);
    filters->addRow(tr("Show"), m_mode);
    auto *range = new QHBoxLayout;
    range->addWidget(m_low);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_high);
    filters->addRow(tr("First evaluation's p"), range);
    filters->addRow(tr("Text"), m_search);
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(filters);
    leftLayout->addWidget(new QLabel(tr("Evaluations"), this));
    leftLayout->addWidget(m_runs, 1);
    leftLayout->addWidget(m_allModels);
    leftLayout->addWidget(new QLabel(tr("Agreement of the first two"), this));
    leftLayout->addWidget(m_agreement);
    leftLayout->addWidget(m_comparison);

    auto *middle = new QWidget(this);
    auto *middleLayout = new QVBoxLayout(middle);
    middleLayout->setContentsMargins(0, 0, 0, 0);
    middleLayout->addWidget(m_count);
    middleLayout->addWidget(m_trust);
    middleLayout->addWidget(m_table, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(middle);
    splitter->addWidget(m_pairView);
    // The pairs' table gets the most room: each evaluation adds a column to it.
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_distribution, &QComboBox::currentIndexChanged, this, [this] { loadEvaluations(); });
    connect(m_runs, &QListWidget::itemChanged, this, [this] {
        rememberChecks();
        rebuildTable();
    });
    connect(m_allModels, &QCheckBox::toggled, this, [this] { loadEvaluations(); });
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] { applyMode(); });
    connect(m_low, &QDoubleSpinBox::valueChanged, this,
            [this] { m_filter->setConfidenceRange(m_low->value(), m_high->value()); });
    connect(m_high, &QDoubleSpinBox::valueChanged, this,
            [this] { m_filter->setConfidenceRange(m_low->value(), m_high->value()); });
    connect(m_search, &QLineEdit::textChanged, m_filter, &DisagreementFilter::setSearch);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this,
            [this] { m_count->setText(tr("%n pairs shown", nullptr, m_filter->rowCount())); });
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this,
            [this] { m_count->setText(tr("%n pairs shown", nullptr, m_filter->rowCount())); });
    connect(m_filter, &QAbstractItemModel::modelReset, this,
            [this] { m_count->setText(tr("%n pairs shown", nullptr, m_filter->rowCount())); });
    connect(m_trust, &TrustBar::assessed, this, [this] { showTrust(); });
    m_pairView->setOpenLinks(false);
    connect(m_pairView, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QStringLiteral("attribute"))
            attribute(url.path().toInt());
        else if (url.scheme() == QStringLiteral("tokens"))
            showTokens(url.path().toInt());
    });
    connect(m_trust, &TrustBar::cleared, this, [this] {
        m_model->setTrust({});
        applyMode();
    });
    connect(m_agreement, &QTableWidget::cellClicked, this, [this](int row, int column) {
        m_filter->setAgreementCell(0, row == 1, 1, column == 1);
        m_count->setText(tr("%n pairs shown", nullptr, m_filter->rowCount()));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
        if (!current.isValid())
            return;
        const int pair = current.data(DisagreementModel::PairIndexRole).toInt();
        showPair(pair);
        m_context->selectPair(m_distribution->currentText(), pair);
    });
    connect(m_context, &ResultsContext::scopeChanged, this, [this] {
        // Picks are of one model: another model (or workspace) starts from its chosen interventions again.
        const QString scope = m_context->workspace() ? m_context->model() : QString();
        if (scope != m_pickedModel) {
            m_picked.clear();
            m_pickedModel = scope;
        }
        refresh();
    });
    connect(m_context, &ResultsContext::shiftSelected, this,
            [this](const ShiftPair &shift) { setDistribution(qs(shift.target)); });
    connect(m_context, &ResultsContext::pairSelected, this, [this](const QString &distribution, int pair) {
        if (distribution != m_distribution->currentText())
            return;
        for (int r = 0; r < m_filter->rowCount(); ++r)
            if (m_filter->index(r, 0).data(DisagreementModel::PairIndexRole).toInt() == pair) {
                m_table->selectRow(r);
                return;
            }
    });
    refresh();
}

void DisagreementsView::fitAgreementToFont()
{
    // Header and two rows of the current type: no row is cut, at presentation size either.
    const int line = m_agreement->fontMetrics().height() + 10;
    m_agreement->verticalHeader()->setDefaultSectionSize(line);
    m_agreement->setMaximumHeight(3 * line + 2 * m_agreement->frameWidth() + 4);
    m_agreement->setMinimumHeight(m_agreement->maximumHeight());
}

void DisagreementsView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        fitAgreementToFont();
}

void DisagreementsView::refresh()
{
    const QString previous = m_distribution->currentText();
    QSignalBlocker block(m_distribution);
    m_distribution->clear();
    if (Workspace *ws = m_context->workspace()) {
        std::set<std::string> names;
        for (const auto &e : ResultStore(*ws).evaluations(ss(m_context->model())))
            if (e.probabilityCount > 0)
                names.insert(e.evalDistribution);
        for (const auto &name : names)
            m_distribution->addItem(qs(name));
    }
    const int index = m_distribution->findText(previous);
    m_distribution->setCurrentIndex(index >= 0 ? index : 0);
    loadEvaluations();
}

void DisagreementsView::setDistribution(const QString &distribution)
{
    const int index = m_distribution->findText(distribution);
    if (index >= 0)
        m_distribution->setCurrentIndex(index);
}

void DisagreementsView::loadEvaluations()
{
    QSignalBlocker block(m_runs);
    m_runs->clear();
    Workspace *ws = m_context->workspace();
    if (ws && m_distribution->count() > 0) {
        const std::string distribution = ss(m_distribution->currentText());
        const QStringList chosen = m_context->interventions();
        const std::string model = ss(m_context->model());
        // Evaluations trained on the selected shift's source (or on nothing) are the shift's; others are listed
        // to be picked. What was checked before is checked again, by model and intervention; else the chosen
        // interventions' evaluations of the shift.
        const auto &shift = m_context->shift();
        const std::string source = shift && shift->target == distribution ? shift->source : std::string();
        std::set<QString> checkedKeys;
        for (const auto &e : ResultStore(*ws).evaluations(m_allModels->isChecked() ? std::string() : model)) {
            if (e.evalDistribution != distribution || e.probabilityCount == 0)
                continue;
            auto *item = new QListWidgetItem(qs(e.label()), m_runs);
            item->setData(kEvaluationIdRole, QVariant::fromValue<qlonglong>(e.id));
            item->setData(kPickKeyRole, pickKey(e));
            item->setData(kTrainRole, qs(e.trainDistribution));
            item->setToolTip(qs(e.label() + "\n" + e.path));
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            const bool ofTheShift = source.empty() || e.trainDistribution == source || e.trainDistribution.empty();
            const bool wanted = m_picked.isEmpty() ? e.model == model && chosen.contains(qs(e.intervention))
                                                   : m_picked.contains(pickKey(e));
            // One evaluation per key: the shift's own.
            const bool check = wanted && ofTheShift && checkedKeys.insert(pickKey(e)).second;
            item->setCheckState(check ? Qt::Checked : Qt::Unchecked);
        }
        // Checked first, in the order picked: "first" and "second" in the filters are the picks.
        std::vector<QListWidgetItem *> items;
        while (m_runs->count() > 0)
            items.push_back(m_runs->takeItem(0));
        auto rank = [this](QListWidgetItem *item) {
            if (item->checkState() != Qt::Checked)
                return int(m_picked.size()) + 1;
            const int at = int(m_picked.indexOf(item->data(kPickKeyRole).toString()));
            return at >= 0 ? at : int(m_picked.size());
        };
        std::stable_sort(items.begin(), items.end(),
                         [&](QListWidgetItem *a, QListWidgetItem *b) { return rank(a) < rank(b); });
        for (QListWidgetItem *item : items)
            m_runs->addItem(item);
    }
    rebuildTable();
}

QList<qint64> DisagreementsView::chosenEvaluations() const
{
    QList<qint64> ids;
    for (int i = 0; i < m_runs->count(); ++i)
        if (m_runs->item(i)->checkState() == Qt::Checked)
            ids << m_runs->item(i)->data(kEvaluationIdRole).toLongLong();
    return ids;
}

void DisagreementsView::pick(const QString &intervention, const ShiftPair &shift)
{
    // A seed group stands for its runs' evaluations: its first seed's are the pairs shown.
    QString evaluated = intervention;
    if (Workspace *ws = m_context->workspace())
        if (const auto group = findSeedGroup(*ws, ss(m_context->model()), ss(intervention)))
            evaluated = qs(group->members.front().label);
    const QString key = m_context->model() + QStringLiteral(" · ") + evaluated;
    // The pick before stays beside the new one; a third pick replaces the older.
    QStringList picked = m_picked.isEmpty() ? QStringList() : QStringList{m_picked.last()};
    picked.removeAll(key);
    picked << key;
    m_picked = picked;
    if (m_distribution->currentText() != qs(shift.target))
        setDistribution(qs(shift.target)); // reloads the list with the picks checked
    else
        loadEvaluations();
    // Two picks: the pairs they disagree on; one (the same picked again): all its pairs.
    const int mode =
        m_mode->findData(m_picked.size() == 2 ? DisagreementFilter::FirstTwoDisagree : DisagreementFilter::AllPairs);
    if (m_picked.size() == 2 || m_mode->currentData().toInt() == DisagreementFilter::FirstTwoDisagree)
        m_mode->setCurrentIndex(mode);
}

void DisagreementsView::rememberChecks()
{
    QStringList checked;
    for (int i = 0; i < m_runs->count(); ++i)
        if (m_runs->item(i)->checkState() == Qt::Checked)
            checked << m_runs->item(i)->data(kPickKeyRole).toString();
    m_picked = checked;
}

void DisagreementsView::chooseEvaluations(const QList<qint64> &ids)
{
    QSignalBlocker block(m_runs);
    for (int i = 0; i < m_runs->count(); ++i)
        m_runs->item(i)->setCheckState(
            ids.contains(m_runs->item(i)->data(kEvaluationIdRole).toLongLong()) ? Qt::Checked : Qt::Unchecked);
    rememberChecks();
    rebuildTable();
}

void DisagreementsView::rebuildTable()
{
    Workspace *ws = m_context->workspace();
    std::vector<std::int64_t> ids;
    for (qint64 id : chosenEvaluations())
        ids.push_back(id);
    DisagreementTable table = ws ? disagreements(*ws, ids) : DisagreementTable{};
    // Texts for the search filter, when pairs are linked to the workspace's examples.
    std::vector<QString> texts;
    if (ws && !table.rows.empty() && table.rows.front().examplePosition >= 0) {
        const auto examples = ws->examples(table.distribution, Split::Test);
        for (const auto &row : table.rows) {
            const Example &e = examples[std::size_t(row.examplePosition)];
            texts.push_back(qs(e.prompt + "\n" + e.responses[std::size_t(row.preferredIndex)].text + "\n"
                               + e.responses[std::size_t(row.dispreferredIndex)].text));
        }
    }
    m_model->setTable(std::move(table));
    m_filter->setPairTexts(std::move(texts));
    m_search->setEnabled(!m_model->table().rows.empty() && m_model->table().rows.front().examplePosition >= 0);
    m_search->setToolTip(m_search->isEnabled() ? QString()
                                               : tr("The probabilities are not linked to examples in this workspace"));
    updateAgreement();
    updateTrustSubject();
    m_pairView->setHtml(m_model->rowCount()
                            ? tr("<p style=\"color:gray\">Select a pair.</p>")
                            : tr("<p style=\"color:gray\">Choose evaluations of this distribution on the left. "
                                 "Evaluations come from runs (Run → New Run…) and from imported GENIES results "
                                 "(File → Import GENIES results…).</p>"));
}

void DisagreementsView::updateAgreement()
{
    const auto counts = agreementMatrix(m_model->table(), 0, 1);
    const bool two = m_model->table().evaluations.size() >= 2;
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
            m_agreement->setItem(a, b,
                                 new QTableWidgetItem(two ? QString::number(counts[std::size_t(a)][std::size_t(b)])
                                                          : QStringLiteral("–")));
    m_comparison->setText(
        two ? comparisonText(*m_context->workspace(), m_model->table().evaluations[0], m_model->table().evaluations[1])
            : QString());
}

void DisagreementsView::updateTrustSubject()
{
    Workspace *ws = m_context->workspace();
    const auto &table = m_model->table();
    std::optional<TrustSubject> subject;
    if (ws && !table.evaluations.empty() && table.evaluations[0].runId && table.evaluations[0].unitId) {
        const EvaluationInfo &e = table.evaluations[0];
        const auto run = RunStore(*ws).run(*e.runId);
        const auto &shift = m_context->shift();
        for (const RunUnit &unit : run ? run->units : std::vector<RunUnit>())
            if (unit.id == *e.unitId) {
                // An untrained unit (zero_shot) is assessed against the selected shift's source.
                const std::string source = !unit.trainDistribution.empty()              ? unit.trainDistribution
                                         : shift && shift->target == table.distribution ? shift->source
                                                                                        : std::string();
                if (!source.empty())
                    subject = TrustSubject{*e.runId, unit.intervention, source, table.distribution, qs(e.label())};
            }
    }
    m_trust->setSubject(ws, subject);
}

void DisagreementsView::showTrust()
{
    const RunTrust *result = m_trust->result();
    if (!result)
        return;
    std::vector<double> byPair(result->assessment.pairs.size(), NAN);
    for (const PairTrust &t : result->assessment.pairs)
        byPair[std::size_t(t.pairIndex)] = t.trust;
    m_model->setTrust(std::move(byPair));
    applyMode();
    m_table->sortByColumn(m_model->trustColumn(), Qt::AscendingOrder); // least trusted first
}

void DisagreementsView::attribute(int pairIndex)
{
    const auto &subject = m_trust->subject();
    Workspace *ws = m_context->workspace();
    if (!subject || !ws || (m_attribution && m_attribution->isRunning()))
        return;
    AttributionRequest request;
    request.runId = subject->runId;
    request.intervention = subject->intervention;
    request.source = subject->source;
    request.target = subject->target;
    request.pairIndex = pairIndex;
    const std::filesystem::path path = ws->path();
    auto result = std::make_shared<PairAttribution>();
    auto texts = std::make_shared<std::map<int, Example>>();
    m_pairView->setHtml(m_pairHtml
                        + tr("<p style=\"color:gray\">Tracing the score back to %1's training pairs…</p>")
                              .arg(qs(subject->source).toHtmlEscaped()));
    delete m_attribution;
    m_attribution =
        new BackgroundTask(BackgroundTask::inWorkspace(
                               path,
                               [request, result, texts](Workspace &w, const ProgressCallback &progress) mutable {
        request.progress = progress;
        *result = attributePair(w, request);
        for (const Example &e : w.examples(request.source, Split::Train))
            (*texts)[e.position] = e;
                               }),
                           this);
    connect(m_attribution, &BackgroundTask::failed, this, [this](const QString &message) {
        m_pairView->setHtml(m_pairHtml + tr("<p style=\"color:#b00020\">%1</p>").arg(message.toHtmlEscaped()));
    });
    connect(m_attribution, &BackgroundTask::succeeded, this, [this, result, texts] {
        std::vector<SourceInfluence> order = result->influences;
        std::stable_sort(order.begin(), order.end(),
                         [](auto a, auto b) { return std::fabs(a.value) > std::fabs(b.value); });
        QString html = m_pairHtml;
        if (!result->exact)
            html += tr("<h4>Source pairs behind this score</h4><p>Margin %1. An approximation: how much one training "
                       "step on each of %2 source examples would move this margin (gradient similarity at the "
                       "trained weights); the largest:</p><table cellpadding=\"3\">")
                        .arg(QString::asprintf("%+.3f", result->margin))
                        .arg(int(result->influences.size()));
        else if (std::fabs(result->constant) > 1e-9)
            html += tr("<h4>Source pairs behind this score</h4><p>Margin %1: %2 from the calibration, the rest split "
                       "exactly over %3 source examples; the largest shares:</p><table cellpadding=\"3\">")
                        .arg(QString::asprintf("%+.3f", result->margin))
                        .arg(QString::asprintf("%+.3f", result->constant))
                        .arg(int(result->influences.size()));
        else
            html += tr("<h4>Source pairs behind this score</h4><p>Margin %1, split exactly over %2 source examples; "
                       "the largest shares:</p><table cellpadding=\"3\">")
                        .arg(QString::asprintf("%+.3f", result->margin))
                        .arg(int(result->influences.size()));
        for (std::size_t i = 0; i < order.size() && i < 8; ++i) {
            const auto it = texts->find(order[i].examplePosition);
            QString text;
            if (it != texts->end() && it->second.preferredIndex() >= 0) {
                // A prompt's end says what it asks (templates put their preamble first).
                QString prompt = qs(it->second.prompt).simplified();
                if (prompt.size() > 90)
                    prompt = QStringLiteral("…") + prompt.right(90);
                QString response = qs(it->second.responses[std::size_t(it->second.preferredIndex())].text).simplified();
                if (response.size() > 60)
                    response = response.left(60) + QStringLiteral("…");
                text = prompt + QStringLiteral(" → ") + response;
            }
            html += QStringLiteral("<tr><td style=\"color:%1\"><b>%2</b></td><td>example %3</td><td>%4</td></tr>")
                        .arg(order[i].value > 0 ? QStringLiteral("#1b7f3b") : QStringLiteral("#b00020"))
                        .arg(QString::asprintf("%+.3f", order[i].value))
                        .arg(order[i].examplePosition)
                        .arg(text.toHtmlEscaped());
        }
        html += tr("</table><p style=\"color:gray\">Positive shares push towards the preferred response, negative "
                   "ones towards the dispreferred one (shown: each source example's prompt → its preferred "
                   "response).</p>");
        m_pairView->setHtml(html);
        emit attributed();
    });
    m_attribution->start();
}

void DisagreementsView::showTokens(int pairIndex)
{
    const auto &subject = m_trust->subject();
    if (!subject || !m_context->workspace())
        return;
    auto *dialog = new TokenEvidenceDialog(m_context->workspace(), *subject, pairIndex, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void DisagreementsView::waitForAttribution()
{
    if (m_attribution)
        m_attribution->wait();
}

void DisagreementsView::applyMode() { m_filter->setMode(DisagreementFilter::Mode(m_mode->currentData().toInt())); }

void DisagreementsView::showPair(int pairIndex)
{
    const auto &table = m_model->table();
    if (pairIndex < 0 || pairIndex >= int(table.rows.size()))
        return;
    const DisagreementRow &row = table.rows[std::size_t(pairIndex)];
    QString html = tr("<h3>%1 · pair %2</h3>").arg(qs(table.distribution).toHtmlEscaped()).arg(pairIndex);
    html += QStringLiteral("<table cellpadding=\"3\">");
    for (std::size_t i = 0; i < table.evaluations.size(); ++i)
        html +=
            QStringLiteral("<tr><td>%1</td><td><b>%2</b></td></tr>")
                .arg(qs(table.evaluations[i].label()).toHtmlEscaped(), QString::number(row.probabilities[i], 'f', 3));
    html += QStringLiteral("</table>");
    if (row.possibleLabelError)
        html +=
            tr("<p style=\"color:#b00020\"><b>Possible label error:</b> every evaluation is confidently wrong.</p>");
    Workspace *ws = m_context->workspace();
    const auto record = (ws && row.examplePosition >= 0)
                          ? ws->exampleAt(table.distribution, Split::Test, row.examplePosition)
                          : std::nullopt;
    if (!record) {
        QString why;
        for (const auto &link : table.links)
            if (!link.linked)
                why = qs(link.message);
        html += tr("<p style=\"color:gray\">This pair's text is not available: %1</p>").arg(why.toHtmlEscaped());
        m_pairView->setHtml(html);
        return;
    }
    const auto &responses = record->example.responses;
    const std::string &preferred = responses[std::size_t(row.preferredIndex)].text;
    const std::string &dispreferred = responses[std::size_t(row.dispreferredIndex)].text;
    html += tr("<p><b>Prompt</b> (example %1)</p>").arg(row.examplePosition);
    html += QStringLiteral("<pre style=\"white-space:pre-wrap;background:#f4f6f8;color:#111\">%1</pre>")
                .arg(qs(record->example.prompt).toHtmlEscaped());
    html += tr("<p><b style=\"color:#1b7f3b\">✔ Preferred</b> (response %1)</p><pre "
               "style=\"white-space:pre-wrap\">%2</pre>")
                .arg(row.preferredIndex)
                .arg(qs(preferred).toHtmlEscaped());
    html += tr("<p><b style=\"color:#8a4b08\">Dispreferred</b> (response %1)</p><pre "
               "style=\"white-space:pre-wrap\">%2</pre>")
                .arg(row.dispreferredIndex)
                .arg(qs(dispreferred).toHtmlEscaped());
    html += tr("<p><b>Word diff</b> <span style=\"background:#c8f0d0\">only in preferred</span> "
               "<span style=\"background:#f9d0d4\">only in dispreferred</span></p>");
    html += QStringLiteral("<pre style=\"white-space:pre-wrap\">%1</pre>").arg(diffHtml(preferred, dispreferred));
    const auto &subject = m_trust->subject();
    static const std::set<std::string> attributable = {"linear_probe", "mms",  "cra",          "lat_stim_1",
                                                       "lat_stim_2",   "lora", "prompt_tuning"};
    if (subject && attributable.contains(subject->intervention))
        html += tr("<p><a href=\"attribute:%1\">Which source pairs taught %2 this score?</a></p>")
                    .arg(pairIndex)
                    .arg(subject->label.toHtmlEscaped());
    if (subject)
        html += tr("<p><a href=\"tokens:%1\">Token by token…</a> (each token's part in the scores of zero-shot "
                   "and %2)</p>")
                    .arg(pairIndex)
                    .arg(subject->label.toHtmlEscaped());
    m_pairHtml = html;
    m_pairView->setHtml(html);
}

QJsonObject DisagreementsView::saveSessionState() const
{
    QStringList evaluations;
    for (const auto &e : m_model->table().evaluations)
        evaluations << qs(e.path);
    const QString distribution = m_distribution->currentText();
    return QJsonObject{
        {QStringLiteral("distribution"), distribution},
        {QStringLiteral("evaluations"), QJsonArray::fromStringList(evaluations)},
        {QStringLiteral("mode"), m_mode->currentIndex()},
        {QStringLiteral("confidence"), QJsonArray{m_low->value(), m_high->value()}},
        {QStringLiteral("search"), m_search->text()},
        {QStringLiteral("all_models"), m_allModels->isChecked()},
        {QStringLiteral("pair"), m_context->pairDistribution() == distribution ? m_context->pairIndex() : -1},
    };
}

void DisagreementsView::restoreSessionState(const QJsonObject &state)
{
    const QString distribution = state.value(QStringLiteral("distribution")).toString();
    m_allModels->setChecked(state.value(QStringLiteral("all_models")).toBool());
    setDistribution(distribution);
    QStringList paths;
    for (const auto &v : state.value(QStringLiteral("evaluations")).toArray())
        paths << v.toString();
    QList<qint64> ids;
    if (Workspace *ws = m_context->workspace())
        for (const auto &e :
             ResultStore(*ws).evaluations(m_allModels->isChecked() ? std::string() : ss(m_context->model())))
            if (paths.contains(qs(e.path)))
                ids << e.id;
    chooseEvaluations(ids);
    m_mode->setCurrentIndex(state.value(QStringLiteral("mode")).toInt(m_mode->currentIndex()));
    const QJsonArray confidence = state.value(QStringLiteral("confidence")).toArray();
    if (confidence.size() == 2) {
        m_low->setValue(confidence[0].toDouble());
        m_high->setValue(confidence[1].toDouble());
    }
    m_search->setText(state.value(QStringLiteral("search")).toString());
    if (const int pair = state.value(QStringLiteral("pair")).toInt(-1); pair >= 0)
        m_context->selectPair(distribution, pair);
}

} // namespace shiftscope
