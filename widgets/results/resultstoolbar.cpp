#include "widgets/results/resultstoolbar.h"

#include "widgets/shell/qtconvert.h"
#include "results/resultstore.h"
#include "results/seedgroups.h"
#include "widgets/results/resultscontext.h"

#include <algorithm>
#include <set>
#include <QComboBox>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QStandardItemModel>
#include <QToolButton>

namespace shiftscope {

ResultsToolBar::ResultsToolBar(ResultsContext *context, QWidget *parent)
    : QToolBar(tr("Results"), parent),
      m_context(context),
      m_model(new QComboBox(this)),
      m_interventions(new QToolButton(this)),
      m_shiftSet(new QComboBox(this)),
      m_capability(new QComboBox(this))
{
    setObjectName(QStringLiteral("resultsToolBar"));
    m_model->setMinimumContentsLength(12);
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToContents); // model names are read whole
    m_interventions->setText(tr("Interventions"));
    m_interventions->setPopupMode(QToolButton::InstantPopup);
    m_interventions->setMenu(new QMenu(m_interventions));
    m_interventions->menu()->setToolTipsVisible(true); // what a seed group's entry stands for
    m_interventions->menu()->installEventFilter(this); // several can be ticked in one visit
    m_shiftSet->addItem(tr("GENIES (15 shifts)"), int(ShiftSet::Genies));
    m_shiftSet->addItem(tr("All shifts"), int(ShiftSet::All));
    addWidget(new QLabel(tr(" Model "), this));
    addWidget(m_model);
    addWidget(m_interventions);
    addWidget(new QLabel(tr(" Shifts "), this));
    addWidget(m_shiftSet);
    m_capability->addItem(tr("Automatic"), int(CapabilityRule::Automatic));
    m_capability->addItem(tr("Own intervention"), int(CapabilityRule::SameIntervention));
    m_capability->addItem(tr("Best available"), int(CapabilityRule::PublishedBest));
    m_capability->setToolTip(
        tr("The target-tuned capability that divides differential elicitation. Automatic: a run's "
           "own intervention trained and evaluated on the target reference (the GENIES code), the published tables' "
           "rule for imported results (the target_tuned_capability file, else the best in-distribution accuracy). "
           "Own intervention: the intervention trained and evaluated on the target reference. Best available: the "
           "published tables' rule for every result."));
    addWidget(new QLabel(tr(" Capability "), this));
    addWidget(m_capability);
    connect(m_capability, &QComboBox::currentIndexChanged, this,
            [this] { m_context->setCapabilityRule(CapabilityRule(m_capability->currentData().toInt())); });

    connect(m_model, &QComboBox::currentIndexChanged, this, [this] {
        m_context->setModel(m_model->currentText());
        loadInterventions();
    });
    connect(m_shiftSet, &QComboBox::currentIndexChanged, this,
            [this] { m_context->setShiftSet(ShiftSet(m_shiftSet->currentData().toInt())); });
}

bool ResultsToolBar::eventFilter(QObject *watched, QEvent *event)
{
    // A click on an entry ticks or unticks it and leaves the menu open; Escape or a click outside closes it.
    if (watched == m_interventions->menu() && event->type() == QEvent::MouseButtonRelease) {
        QMenu *menu = m_interventions->menu();
        QAction *action = menu->actionAt(static_cast<QMouseEvent *>(event)->position().toPoint());
        if (action && action->isCheckable() && action->isEnabled()) {
            action->toggle();
            return true;
        }
    }
    return QToolBar::eventFilter(watched, event);
}

void ResultsToolBar::reload()
{
    const QString previous = m_model->currentText();
    {
        QSignalBlocker block(m_model);
        m_model->clear();
        QString busiest;
        if (Workspace *ws = m_context->workspace()) {
            ResultStore store(*ws);
            // Published models first, then those only runs evaluated; headed when there are both.
            const auto published = store.publishedModels();
            std::vector<std::string> runsOnly;
            for (const auto &model : store.models())
                if (std::find(published.begin(), published.end(), model) == published.end())
                    runsOnly.push_back(model);
            const bool headed = !published.empty() && !runsOnly.empty();
            std::size_t most = 0;
            auto addGroup = [&](const QString &title, const std::vector<std::string> &models) {
                if (headed && !models.empty()) {
                    m_model->addItem(title);
                    if (auto *items = qobject_cast<QStandardItemModel *>(m_model->model()))
                        items->item(m_model->count() - 1)->setEnabled(false);
                }
                for (const auto &model : models) {
                    m_model->addItem(qs(model), qs(model));
                    // The first time, show the model with the most evaluations rather than the alphabetically first.
                    const std::size_t count = store.evaluations(model).size();
                    if (count > most) {
                        most = count;
                        busiest = qs(model);
                    }
                }
            };
            addGroup(tr("Published results"), published);
            addGroup(tr("Your runs"), runsOnly);
        }
        const int index = m_model->findData(previous.isEmpty() ? busiest : previous);
        m_model->setCurrentIndex(index >= 0 ? index : m_model->findData(busiest));
    }
    m_context->setModel(m_model->currentText());
    // A model evaluated on none of the GENIES pairs' distributions (the demo model) is shown on all shifts.
    if (Workspace *ws = m_context->workspace(); ws && previous.isEmpty())
        m_shiftSet->setCurrentIndex(
            m_model->count() == 0 || defaultShiftSet(*ws, ss(m_model->currentText())) == ShiftSet::Genies ? 0 : 1);
    loadInterventions();
}

void ResultsToolBar::loadInterventions()
{
    QStringList chosen = m_context->interventions();
    QMenu *menu = m_interventions->menu();
    menu->clear();
    QStringList available;
    QStringList groups; // seed groups: listed after the interventions and runs, under their own heading
    if (Workspace *ws = m_context->workspace()) {
        for (const auto &name : ResultStore(*ws).interventions(ss(m_model->currentText())))
            available << qs(name);
        for (const SeedGroup &group : seedGroups(*ws, ss(m_model->currentText())))
            groups << qs(group.name);
    }
    // A seed group stands for its configuration: it claims its intervention's own colour before its runs do.
    m_context->assignColours(groups + available);
    available << groups;
    // Keep earlier choices that still exist; the first time, choose the published headline methods.
    chosen.erase(std::remove_if(chosen.begin(), chosen.end(), [&](const QString &n) { return !available.contains(n); }),
                 chosen.end());
    // What appears while the model is shown (a run finishing, results another process imported) is shown too.
    if (m_model->currentText() == m_loadedModel && !m_loaded.isEmpty())
        for (const QString &name : available)
            if (!m_loaded.contains(name) && !chosen.contains(name))
                chosen << name;
    m_loadedModel = m_model->currentText();
    m_loaded = available;
    m_groups = groups;
    if (chosen.isEmpty())
        chosen = headlineEntries(available, groups,
                                 {QStringLiteral("zero_shot"), QStringLiteral("lora_fine_tuning"),
                                  QStringLiteral("lora"), QStringLiteral("mms")});
    if (chosen.isEmpty() && !available.isEmpty())
        chosen << available.first();
    for (const QString &name : available) {
        if (!groups.isEmpty() && name == groups.first())
            menu->addSection(tr("Seeds of one configuration")); // short: a menu cuts a section wider than its items
        QAction *action = menu->addAction(name);
        if (groups.contains(name))
            action->setToolTip(tr("The mean of the seeds; whiskers from the lowest to the highest seed"));
        action->setCheckable(true);
        action->setChecked(chosen.contains(name));
        connect(action, &QAction::toggled, this, &ResultsToolBar::publishInterventions);
    }
    publishInterventions();
}

QStringList ResultsToolBar::headlineEntries(const QStringList &available, const QStringList &groups,
                                            const QStringList &interventions)
{
    QStringList chosen;
    for (const QString &intervention : interventions) {
        // Its published results; else the seeds of one configuration of it; else its first run listed.
        QString exact, group, run;
        for (const QString &name : available) {
            if (name == intervention)
                exact = name;
            else if (name.section(QStringLiteral(" · "), 0, 0) != intervention)
                continue;
            else if (groups.contains(name) && group.isEmpty())
                group = name;
            else if (!groups.contains(name) && run.isEmpty())
                run = name;
        }
        const QString best = !exact.isEmpty() ? exact : !group.isEmpty() ? group : run;
        if (!best.isEmpty() && !chosen.contains(best))
            chosen << best;
    }
    return chosen;
}

void ResultsToolBar::chooseHeadline(const QStringList &interventions)
{
    setChosenInterventions(headlineEntries(m_loaded, m_groups, interventions));
}

void ResultsToolBar::setChosenInterventions(const QStringList &names)
{
    for (QAction *action : m_interventions->menu()->actions()) {
        QSignalBlocker block(action);
        if (action->isCheckable())
            action->setChecked(names.contains(action->text()));
    }
    publishInterventions();
}

void ResultsToolBar::publishInterventions()
{
    QStringList chosen;
    for (QAction *action : m_interventions->menu()->actions())
        if (action->isChecked())
            chosen << action->text();
    m_interventions->setText(chosen.isEmpty() ? tr("Interventions")
                                              : tr("Interventions: %1").arg(chosen.join(QStringLiteral(", "))));
    m_context->setInterventions(chosen);
}

} // namespace shiftscope
