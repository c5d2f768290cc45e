#pragma once

#include "data/types.h"
#include "widgets/shell/sessionparticipant.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QTableView;
class QTableWidget;
class QTextBrowser;

namespace shiftscope {

class DisagreementFilter;
class DisagreementModel;
class ResultsContext;
class TrustBar;

//! Pair-level audit of an evaluated distribution: the probability each chosen evaluation gives every pair's
//! preferred response, filters (A right and B wrong, all wrong, possible label errors, confidence range, text),
//! an agreement matrix between the first two evaluations whose cells select pairs with their comparison (difference
//! with a paired interval, McNemar's test, reproduced or not), and the chosen pair in full
//! with a word-level diff of its preferred and dispreferred responses. For a run's evaluation, the trust bar
//! assesses each pair's trust without its label; the table then sorts and filters by it, and the least trusted
//! pairs go to a review queue.
class DisagreementsView : public QWidget, public SessionParticipant {
    Q_OBJECT
public:
    explicit DisagreementsView(ResultsContext *context, QWidget *parent = nullptr);

    //! Session state: the distribution, the chosen evaluations (by results path, stable across workspaces), the
    //! filter mode, the confidence range, the search text and the pair shown.
    QString sessionKey() const override { return QStringLiteral("disagreements"); }
    QJsonObject saveSessionState() const override;
    void restoreSessionState(const QJsonObject &state) override;

    void refresh();
    void setDistribution(const QString &distribution);
    //! Checks exactly these evaluations (by id) in the run list.
    void chooseEvaluations(const QList<qint64> &ids);
    //! Shows the shift's target with `intervention`'s evaluation (of the model, trained on the shift's source)
    //! checked beside the one picked before, if any; with two, lists the pairs where they disagree. Picks are kept
    //! across shifts: another shift checks the same interventions' evaluations.
    void pick(const QString &intervention, const ShiftPair &shift);
    QList<qint64> chosenEvaluations() const;

    QTableView *table() const { return m_table; }
    DisagreementModel *model() const { return m_model; }
    DisagreementFilter *filter() const { return m_filter; }
    QTableWidget *agreement() const { return m_agreement; }
    //! The first two evaluations compared: accuracies, the difference with its paired interval, McNemar's test and
    //! whether one reproduces the other (a run beside a published evaluation).
    QLabel *comparison() const { return m_comparison; }
    QTextBrowser *pairView() const { return m_pairView; }
    QComboBox *modeBox() const { return m_mode; }
    QComboBox *distributionBox() const { return m_distribution; }
    //! Lists the evaluations of every model, not only the chosen one's (a run beside a published evaluation).
    QCheckBox *allModelsBox() const { return m_allModels; }
    TrustBar *trustBar() const { return m_trust; }
    //! Ends an attribution in progress (tests, shutdown).
    void waitForAttribution();

signals:
    //! The source pairs behind a pair are listed in the pair view.
    void attributed();

public:
protected:
    void changeEvent(QEvent *event) override;

private:
    void fitAgreementToFont();
    void loadEvaluations();
    void rebuildTable();
    void updateAgreement();
    void showPair(int pairIndex);
    void applyMode();
    //! The checked evaluations' (model, intervention) as keys, kept when the distribution changes.
    void rememberChecks();
    //! Points the trust bar at the first checked evaluation when it is a run's.
    void updateTrustSubject();
    void showTrust();
    //! Lists, under the pair, the source pairs that pushed the first evaluation's score on it (probes, lora,
    //! prompt_tuning).
    void attribute(int pairIndex);
    //! Opens, beside the view, the pair read token by token by zero-shot and the first evaluation's unit.
    void showTokens(int pairIndex);

    ResultsContext *m_context;
    QComboBox *m_distribution;
    QListWidget *m_runs;
    QCheckBox *m_allModels;
    QComboBox *m_mode;
    QDoubleSpinBox *m_low;
    QDoubleSpinBox *m_high;
    QLineEdit *m_search;
    QLabel *m_count;
    QTableView *m_table;
    QTableWidget *m_agreement;
    QLabel *m_comparison;
    QTextBrowser *m_pairView;
    DisagreementModel *m_model;
    DisagreementFilter *m_filter;
    TrustBar *m_trust;
    class BackgroundTask *m_attribution = nullptr;
    QString m_pairHtml;    //!< the pair view's text before an attribution is added
    QStringList m_picked;  //!< "model · intervention" of the evaluations checked, in the order picked
    QString m_pickedModel; //!< the model the picks are of
};

} // namespace shiftscope
