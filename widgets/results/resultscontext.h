#pragma once

#include "data/types.h"
#include "results/resultanalysis.h"

#include <QColor>
#include <QHash>
#include <QObject>
#include <QStringList>
#include <optional>

namespace shiftscope {

class Workspace;

//! What the results views show and what is selected in them. Every view reads it and writes selections to it, so
//! selecting a shift, an evaluation or a pair anywhere selects it everywhere.
class ResultsContext : public QObject {
    Q_OBJECT
public:
    explicit ResultsContext(QObject *parent = nullptr);

    Workspace *workspace() const { return m_workspace; }
    const QString &model() const { return m_model; }
    const QStringList &interventions() const { return m_interventions; }
    ShiftSet shiftSet() const { return m_shiftSet; }
    //! Which target-tuned capability divides the differential elicitations the views show.
    CapabilityRule capabilityRule() const { return m_capabilityRule; }
    const std::optional<ShiftPair> &shift() const { return m_shift; }
    qint64 evaluationId() const { return m_evaluationId; }
    const QString &pairDistribution() const { return m_pairDistribution; }
    int pairIndex() const { return m_pairIndex; }

    //! The interventions as std::string, for core calls.
    std::vector<std::string> interventionList() const;

    //! The colour of an intervention, run or seed group of the model in every view and export: the GENIES methods'
    //! own (preferredColourSlot) when free, else the first colour no other entry of the model has. Fixed while the
    //! model is shown, whatever is chosen; entries that appear later keep the earlier ones' colours.
    QColor colourOf(const QString &intervention) const;
    QColor colourOf(const std::string &intervention) const;
    //! Gives every entry of `listed` (the model's, in list order) its colour, keeping those given already.
    void assignColours(const QStringList &listed);

public slots:
    void setWorkspace(shiftscope::Workspace *workspace);
    void setModel(const QString &model);
    void setInterventions(const QStringList &interventions);
    void setShiftSet(shiftscope::ShiftSet set);
    void setCapabilityRule(shiftscope::CapabilityRule rule);
    void selectShift(const shiftscope::ShiftPair &shift);
    void selectEvaluation(qint64 evaluationId);
    void selectPair(const QString &distribution, int pairIndex);
    //! Asks for the pairs of `intervention`'s evaluation on `shift` (trained on its source, evaluated on its
    //! target) in the Disagreements view, beside the one asked for before.
    void requestPairs(const QString &intervention, const shiftscope::ShiftPair &shift);

signals:
    //! The data to show changed (workspace, model, interventions, shift set, capability rule, or new results).
    void scopeChanged();
    void shiftSelected(const shiftscope::ShiftPair &shift);
    void evaluationSelected(qint64 evaluationId);
    void pairSelected(const QString &distribution, int pairIndex);
    void pairsRequested(const QString &intervention, const shiftscope::ShiftPair &shift);

private:
    //! The model's entries: seed groups, then interventions and runs (the order they are given colours in).
    QStringList listedEntries() const;
    void giveColours(const QStringList &listed) const;

    Workspace *m_workspace = nullptr;
    QString m_model;
    mutable QHash<QString, int> m_colourSlots;
    QStringList m_interventions;
    ShiftSet m_shiftSet = ShiftSet::Genies;
    CapabilityRule m_capabilityRule = CapabilityRule::Automatic;
    std::optional<ShiftPair> m_shift;
    qint64 m_evaluationId = 0;
    QString m_pairDistribution;
    int m_pairIndex = -1;
};

} // namespace shiftscope
