#pragma once

#include "runs/cluster.h"
#include "runs/runplanner.h"
#include "workspace/workspace.h"

#include <QDialog>
#include <optional>

class QComboBox;
class QGroupBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace shiftscope {

//! Chooses a run: a model folder (the workspace's models offered, the last used first; its architecture and size
//! shown as soon as it is picked), an intervention with a form for its parameters (each saying the original
//! GENIES code's default), the shifts (the navigator's current shift, GENIES, all, any loaded catalogue, or a
//! hand-picked set) and a seed; and whether to submit it to a Slurm cluster, with sbatch's options.
class RunLauncherDialog : public QDialog {
    Q_OBJECT
public:
    RunLauncherDialog(Workspace *workspace, const std::optional<ShiftPair> &currentShift, QWidget *parent = nullptr);

    RunRequest request() const;
    //! The Slurm options when "Submit to Slurm" is ticked, else nothing (the run executes here).
    std::optional<SlurmOptions> slurm() const;
    QGroupBox *slurmGroup() const { return m_slurm; }
    QLineEdit *sharedDirEdit() const { return m_sharedDir; }
    void setModelDir(const QString &dir);
    void setIntervention(const QString &name);
    QLabel *modelSummary() const { return m_modelSummary; }
    QComboBox *modelBox() const { return m_modelDir; }
    QComboBox *shiftsBox() const { return m_shifts; }
    QLineEdit *adapterEdit() const { return m_adapter; }
    //! The hand-picked shifts' list, checkable; its checked rows are the run's shifts when "Chosen shifts" is on.
    QListWidget *shiftList() const { return m_shiftList; }
    //! Plans the run first: a request it refuses (a model without the head the intervention needs, no shifts, a
    //! Slurm run without its folder) keeps the dialog open with the reason above its buttons, the choices as they
    //! were.
    void accept() override;
    //! The last refusal shown, empty when none.
    QString refusal() const { return m_refusal; }

private:
    void rebuildParameters();
    void updateShiftChoice();

    Workspace *m_workspace;
    std::optional<ShiftPair> m_shift;
    QString m_refusal;
    QLabel *m_refusalLabel = nullptr;
    QComboBox *m_modelDir;
    QLabel *m_modelSummary;
    QLineEdit *m_adapter;
    QComboBox *m_intervention;
    QFormLayout *m_parameters;
    QComboBox *m_shifts;
    QListWidget *m_shiftList;
    QSpinBox *m_seed;
    QGroupBox *m_slurm;
    QLineEdit *m_sharedDir;
    QLineEdit *m_partition;
    QSpinBox *m_gpus;
    QSpinBox *m_maxParallel;
    QLineEdit *m_time;
    QLineEdit *m_sbatchArgs;
    std::vector<std::pair<std::string, QLineEdit *>> m_parameterEdits;
};

} // namespace shiftscope
