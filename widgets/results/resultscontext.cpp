#include "widgets/results/resultscontext.h"

namespace shiftscope {

ResultsContext::ResultsContext(QObject *parent) : QObject(parent) {}

std::vector<std::string> ResultsContext::interventionList() const
{
    std::vector<std::string> out;
    for (const QString &name : m_interventions)
        out.push_back(name.toStdString());
    return out;
}

void ResultsContext::setWorkspace(Workspace *workspace)
{
    m_workspace = workspace;
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

void ResultsContext::selectPair(const QString &distribution, int pairIndex)
{
    if (distribution == m_pairDistribution && pairIndex == m_pairIndex)
        return;
    m_pairDistribution = distribution;
    m_pairIndex = pairIndex;
    emit pairSelected(distribution, pairIndex);
}

} // namespace shiftscope
