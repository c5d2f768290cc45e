#pragma once

#include <QStringList>
#include <QToolBar>

class QComboBox;
class QToolButton;

namespace shiftscope {

class ResultsContext;

//! Chooses what the results views show: the model, the interventions and the shift set (GENIES 15 or all 56).
class ResultsToolBar : public QToolBar {
    Q_OBJECT
public:
    explicit ResultsToolBar(ResultsContext *context, QWidget *parent = nullptr);

    //! Re-reads the models and interventions in the workspace, keeping the choices that still exist.
    void reload();
    QComboBox *modelBox() const { return m_model; }
    QComboBox *shiftSetBox() const { return m_shiftSet; }
    QComboBox *capabilityBox() const { return m_capability; }
    //! The button whose menu lists the interventions, runs and seed groups to show.
    QToolButton *interventionsButton() const { return m_interventions; }
    void setChosenInterventions(const QStringList &names);
    //! For each of `interventions`, the entry of `available` that stands for it: its published results, else a
    //! seed group of its runs (one of `groups`), else its first run listed.
    static QStringList headlineEntries(const QStringList &available, const QStringList &groups,
                                       const QStringList &interventions);
    //! Chooses, for each of `interventions`, the entry that stands for it (headlineEntries) among those listed.
    void chooseHeadline(const QStringList &interventions);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void loadInterventions();
    void publishInterventions();

    ResultsContext *m_context;
    QComboBox *m_model;
    QToolButton *m_interventions;
    QComboBox *m_shiftSet;
    QComboBox *m_capability;
    QString m_loadedModel; //!< the model whose interventions were last listed
    QStringList m_loaded;  //!< and those interventions
    QStringList m_groups;  //!< the seed groups among them
};

} // namespace shiftscope
