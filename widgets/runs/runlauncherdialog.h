#pragma once

#include "runs/runplanner.h"

#include <QDialog>
#include <optional>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace shiftscope {

//! Chooses a run: a model folder (its architecture and size shown as soon as it is picked), an intervention with
//! a form for its parameters, the shifts (the navigator's current shift, GENIES or all) and a seed.
class RunLauncherDialog : public QDialog {
    Q_OBJECT
public:
    RunLauncherDialog(const std::optional<ShiftPair> &currentShift, QWidget *parent = nullptr);

    RunRequest request() const;
    void setModelDir(const QString &dir);
    void setIntervention(const QString &name);
    QLabel *modelSummary() const { return m_modelSummary; }

private:
    void rebuildParameters();

    std::optional<ShiftPair> m_shift;
    QLineEdit *m_modelDir;
    QLabel *m_modelSummary;
    QComboBox *m_intervention;
    QFormLayout *m_parameters;
    QComboBox *m_shifts;
    QSpinBox *m_seed;
    std::vector<std::pair<std::string, QLineEdit *>> m_parameterEdits;
};

} // namespace shiftscope
