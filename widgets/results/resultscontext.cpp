#include "widgets/results/resultscontext.h"

#include "results/resultstore.h"
#include "results/seedgroups.h"
#include "widgets/shell/presentationstyle.h"
#include "widgets/shell/qtconvert.h"

#include <QSet>

namespace shiftscope {

ResultsContext::ResultsContext(QObject *parent) : QObject(parent) {}

std::vector<std::string> ResultsContext::interventionList() const
{
    std::vector<std::string> out;
    for (const QString &name : m_interventions)
        out.push_back(name.toStdString());
    return out;
}

QStringList ResultsContext::listedEntries() const
{
    QStringList listed;
    if (!m_workspace || m_model.isEmpty())
        return listed;
    // Seed groups first, as the toolbar gives them colours: a group claims its method's colour before its runs.
    for (const SeedGroup &group : seedGroups(*m_workspace, ss(m_model)))
        listed << qs(group.name);
    for (const auto &name : ResultStore(*m_workspace).interventions(ss(m_model)))
        listed << qs(name);
    return listed;
}

void ResultsContext::assignColours(const QStringList &listed) { giveColours(listed); }

void ResultsContext::giveColours(const QStringList &listed) const
{
    QSet<int> taken;
    for (int slot : std::as_const(m_colourSlots))
        taken.insert(slot);
    // Two passes: the GENIES methods claim their own colours first, so a custom name listed before lora does not
    // take lora's blue.
    QStringList rest;
    for (const QString &name : listed) {
        if (m_colourSlots.contains(name))
            continue;
        const int slot = preferredColourSlot(name);
        if (slot >= 0 && !taken.contains(slot)) {
            m_colourSlots.insert(name, slot);
            taken.insert(slot);
        } else {
            rest << name;
        }
    }
    for (const QString &name : rest) {
        int slot = 0;
        while (taken.contains(slot) && slot < kSeriesColours)
            ++slot;
        if (slot == kSeriesColours) // more entries than colours: they repeat, in list order
            slot = int(m_colourSlots.size()) % kSeriesColours;
        m_colourSlots.insert(name, slot);
        taken.insert(slot);
    }
}

QColor ResultsContext::colourOf(const QString &intervention) const
{
    if (!m_colourSlots.contains(intervention)) {
        if (m_colourSlots.isEmpty())
            giveColours(listedEntries());
        if (!m_colourSlots.contains(intervention))
            giveColours({intervention});
    }
    return seriesColour(m_colourSlots.value(intervention));
}

QColor ResultsContext::colourOf(const std::string &intervention) const { return colourOf(qs(intervention)); }

void ResultsContext::setWorkspace(Workspace *workspace)
{
    m_workspace = workspace;
    m_colourSlots.clear();
    m_shift.reset();
    m_evaluationId = 0;
    m_pairIndex = -1;
    emit scopeChanged();
}

void ResultsContext::setModel(const QString &model)
{
    if (model == m_model)
        return;
    m_model = model;
    m_colourSlots.clear();
    emit scopeChanged();
}

void ResultsContext::setCapabilityRule(CapabilityRule rule)
{
    if (rule == m_capabilityRule)
        return;
    m_capabilityRule = rule;
    emit scopeChanged();
}

void ResultsContext::setInterventions(const QStringList &interventions)
{
    if (interventions == m_interventions)
        return;
    m_interventions = interventions;
    emit scopeChanged();
}

void ResultsContext::setShiftSet(ShiftSet set)
{
    if (set == m_shiftSet)
        return;
    m_shiftSet = set;
    emit scopeChanged();
}

void ResultsContext::selectShift(const ShiftPair &shift)
{
    if (m_shift && m_shift->source == shift.source && m_shift->target == shift.target)
        return;
    m_shift = shift;
    emit shiftSelected(shift);
}

void ResultsContext::selectEvaluation(qint64 evaluationId)
{
    if (evaluationId == m_evaluationId)
        return;
    m_evaluationId = evaluationId;
    emit evaluationSelected(evaluationId);
}

void ResultsContext::requestPairs(const QString &intervention, const ShiftPair &shift)
{
    selectShift(shift);
    emit pairsRequested(intervention, shift);
}

void ResultsContext::selectPair(const QString &distribution, int pairIndex)
{
    if (distribution == m_pairDistribution && pairIndex == m_pairIndex)
        return;
    m_pairDistribution = distribution;
    m_pairIndex = pairIndex;
    emit pairSelected(distribution, pairIndex);
}

} // namespace shiftscope
