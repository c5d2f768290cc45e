#include "widgets/runs/runlauncherdialog.h"

#include "widgets/shell/dialogkeys.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "runs/intervention.h"
#include "runs/modelsummary.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "results/resultanalysis.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace shiftscope {

namespace {
constexpr const char *kChosenShifts = "chosen";
}

RunLauncherDialog::RunLauncherDialog(Workspace *workspace, const std::optional<ShiftPair> &currentShift,
                                     QWidget *parent)
    : QDialog(parent),
      m_workspace(workspace),
      m_shift(currentShift),
      m_modelDir(new QComboBox(this)),
      m_modelSummary(new QLabel(this)),
      m_adapter(new QLineEdit(this)),
      m_intervention(new QComboBox(this)),
      m_parameters(new QFormLayout),
      m_shifts(new QComboBox(this)),
      m_shiftList(new QListWidget(this)),
      m_seed(new QSpinBox(this)),
      m_slurm(new QGroupBox(tr("Submit to Slurm"), this)),
      m_sharedDir(new QLineEdit(this)),
      m_partition(new QLineEdit(this)),
      m_gpus(new QSpinBox(this)),
      m_maxParallel(new QSpinBox(this)),
      m_time(new QLineEdit(this)),
      m_sbatchArgs(new QLineEdit(this))
{
    setWindowTitle(tr("New Run"));
    m_modelSummary->setWordWrap(true);
    m_modelSummary->setText(tr("No model: only interventions that need none can run."));
    // The model folders this workspace's runs used, the latest first; any other can be typed or browsed to.
    m_modelDir->setEditable(true);
    m_modelDir->setInsertPolicy(QComboBox::NoInsert);
    m_modelDir->lineEdit()->setPlaceholderText(tr("A Hugging Face model folder (none for methods that need none)"));
    QStringList models;
    if (workspace) {
        auto runs = RunStore(*workspace).runs();
        for (auto run = runs.rbegin(); run != runs.rend(); ++run)
            if (!run->modelPath.empty() && !models.contains(qs(run->modelPath)))
                models << qs(run->modelPath);
    }
    m_modelDir->addItems(models);
    auto *browse = new QPushButton(tr("Browse…"), this);
    auto *modelRow = new QHBoxLayout;
    modelRow->addWidget(m_modelDir, 1);
    modelRow->addWidget(browse);
    for (const auto &name : InterventionRegistry::instance().names())
        m_intervention->addItem(qs(name));

    if (m_shift)
        m_shifts->addItem(tr("Current shift: %1 → %2").arg(qs(m_shift->source), qs(m_shift->target)),
                          qs(m_shift->source + ":" + m_shift->target));
    m_shifts->addItem(tr("GENIES (15 shifts)"), QStringLiteral("genies"));
    if (workspace) {
        m_shifts->addItem(tr("All shifts (%1)").arg(shiftsOf(*workspace, ShiftSet::All).size()), QStringLiteral("all"));
        // Every other loaded catalogue, by its pairs (their target references are looked up in the catalogues).
        for (const auto &catalogue : workspace->catalogues()) {
            if (catalogue.builtin)
                continue;
            QStringList pairs;
            for (const ShiftPair &p : workspace->shifts(catalogue.id))
                if (!pairs.contains(qs(p.source + ":" + p.target)))
                    pairs << qs(p.source + ":" + p.target);
            m_shifts->addItem(tr("Catalogue %1 (%2 shifts)").arg(qs(catalogue.name)).arg(pairs.size()),
                              pairs.join(QLatin1Char(',')));
        }
        for (const ShiftPair &p : shiftsOf(*workspace, ShiftSet::All)) {
            auto *item = new QListWidgetItem(qs(p.source) + QStringLiteral(" → ") + qs(p.target), m_shiftList);
            item->setData(Qt::UserRole, qs(p.source + ":" + p.target));
            item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
            item->setCheckState(m_shift && p.source == m_shift->source && p.target == m_shift->target ? Qt::Checked
                                                                                                      : Qt::Unchecked);
        }
    } else {
        m_shifts->addItem(tr("All shifts"), QStringLiteral("all"));
    }
    m_shifts->addItem(tr("Chosen shifts…"), QString::fromLatin1(kChosenShifts));
    m_shiftList->setVisible(false);
    m_shiftList->setMinimumHeight(160);
    m_shiftList->setToolTip(tr("Tick the shifts to run on"));
    m_seed->setRange(0, 1 << 30);

    m_adapter->setPlaceholderText(tr("none (optional PEFT adapter)"));
    m_adapter->setToolTip(tr("adapter_config.json and adapter_model.safetensors as PEFT saves them; merged into the "
                             "model every intervention loads. An adapter that saves a score head makes the model a "
                             "reward model (reward_model)."));
    auto *browseAdapter = new QPushButton(tr("Browse…"), this);
    auto *adapterRow = new QHBoxLayout;
    adapterRow->addWidget(m_adapter, 1);
    adapterRow->addWidget(browseAdapter);
    connect(browseAdapter, &QPushButton::clicked, this, [this] {
        const QString dir = FileDialogs::existingFolder(this, tr("Choose a PEFT adapter folder"));
        if (!dir.isEmpty())
            m_adapter->setText(dir);
    });

    auto *form = new QFormLayout;
    form->addRow(tr("Model folder"), modelRow);
    form->addRow(QString(), m_modelSummary);
    form->addRow(tr("Adapter"), adapterRow);
    form->addRow(tr("Intervention"), m_intervention);
    form->addRow(tr("Shifts"), m_shifts);
    form->addRow(QString(), m_shiftList);
    form->addRow(tr("Seed"), m_seed);
    // A run on a cluster: one Slurm task per unit, shards in the shared folder, collected into this workspace.
    m_slurm->setCheckable(true);
    m_slurm->setChecked(false);
    m_slurm->setToolTip(tr("Submit one Slurm array task per unit (sbatch) and a job that collects their results; "
                           "needs sbatch and squeue on this machine and a folder every node can write"));
    m_sharedDir->setPlaceholderText(tr("a folder on the cluster's shared filesystem"));
    m_partition->setPlaceholderText(tr("the default partition"));
    m_gpus->setRange(0, 64);
    m_gpus->setSpecialValueText(tr("none"));
    m_maxParallel->setRange(0, 10000);
    m_maxParallel->setSpecialValueText(tr("no limit"));
    m_time->setPlaceholderText(tr("the partition's limit (e.g. 4:00:00)"));
    m_sbatchArgs->setPlaceholderText(tr("more sbatch arguments, e.g. --account=lab --qos=high"));
    auto *browseShared = new QPushButton(tr("Browse…"), this);
    auto *sharedRow = new QHBoxLayout;
    sharedRow->addWidget(m_sharedDir, 1);
    sharedRow->addWidget(browseShared);
    connect(browseShared, &QPushButton::clicked, this, [this] {
        const QString dir = FileDialogs::existingFolder(this, tr("Choose a folder every node of the cluster sees"));
        if (!dir.isEmpty())
            m_sharedDir->setText(dir);
    });
    auto *slurmForm = new QFormLayout(m_slurm);
    slurmForm->addRow(tr("Shared folder"), sharedRow);
    slurmForm->addRow(tr("Partition"), m_partition);
    slurmForm->addRow(tr("GPUs per task"), m_gpus);
    slurmForm->addRow(tr("Units at once"), m_maxParallel);
    slurmForm->addRow(tr("Time limit"), m_time);
    slurmForm->addRow(tr("sbatch arguments"), m_sbatchArgs);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    connect(m_slurm, &QGroupBox::toggled, this,
            [buttons](bool on) { buttons->button(QDialogButtonBox::Ok)->setText(on ? tr("Submit") : tr("Start")); });
    auto *defaults = new QLabel(tr("<b>Parameters</b> (defaults are the original GENIES code's, sized for "
                                   "full-size models: large values such as ccs's 1,000 epochs take long on a CPU)"),
                                this);
    defaults->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(defaults);
    layout->addLayout(m_parameters);
    layout->addWidget(m_slurm);
    m_refusalLabel = new QLabel(this);
    m_refusalLabel->setObjectName(QStringLiteral("runRefusal"));
    m_refusalLabel->setWordWrap(true);
    m_refusalLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_refusalLabel->setStyleSheet(QStringLiteral("color: #b00020"));
    m_refusalLabel->hide();
    layout->addWidget(m_refusalLabel);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = FileDialogs::existingFolder(this, tr("Choose a Hugging Face model folder"));
        if (!dir.isEmpty())
            setModelDir(dir);
    });
    connect(m_modelDir->lineEdit(), &QLineEdit::editingFinished, this,
            [this] { setModelDir(m_modelDir->currentText()); });
    connect(m_modelDir, &QComboBox::activated, this, [this] { setModelDir(m_modelDir->currentText()); });
    connect(m_intervention, &QComboBox::currentIndexChanged, this, &RunLauncherDialog::rebuildParameters);
    connect(m_shifts, &QComboBox::currentIndexChanged, this, &RunLauncherDialog::updateShiftChoice);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    makeKeyboardDriven(buttons);
    // Tab goes down the form in the order it reads.
    setTabOrder(m_modelDir, browse);
    setTabOrder(browse, m_adapter);
    setTabOrder(m_adapter, browseAdapter);
    setTabOrder(browseAdapter, m_intervention);
    setTabOrder(m_intervention, m_shifts);
    setTabOrder(m_shifts, m_shiftList);
    setTabOrder(m_shiftList, m_seed);
    setTabOrder(m_slurm, m_sharedDir);
    setTabOrder(m_sharedDir, browseShared);
    setTabOrder(browseShared, m_partition);
    setTabOrder(m_partition, m_gpus);
    setTabOrder(m_gpus, m_maxParallel);
    setTabOrder(m_maxParallel, m_time);
    setTabOrder(m_time, m_sbatchArgs);
    if (!models.isEmpty())
        setModelDir(models.first());
    rebuildParameters();
}

void RunLauncherDialog::updateShiftChoice()
{
    m_shiftList->setVisible(m_shifts->currentData().toString() == QLatin1String(kChosenShifts));
}

void RunLauncherDialog::setModelDir(const QString &dir)
{
    m_modelDir->setCurrentText(dir);
    m_modelSummary->setText(dir.isEmpty() ? tr("No model") : qs(summariseModelFolder(ss(dir)).describe()));
}

void RunLauncherDialog::setIntervention(const QString &name) { m_intervention->setCurrentText(name); }

void RunLauncherDialog::rebuildParameters()
{
    while (m_parameters->rowCount() > 0)
        m_parameters->removeRow(0);
    m_parameterEdits.clear();
    if (m_intervention->count() == 0)
        return;
    const auto intervention = InterventionRegistry::instance().create(ss(m_intervention->currentText()));
    QWidget *previous = m_seed;
    for (const auto &spec : intervention->parameters()) {
        auto *edit = new QLineEdit(qs(spec.defaultValue), this);
        edit->setToolTip(tr("%1\nThe GENIES code's default: %2").arg(qs(spec.description), qs(spec.defaultValue)));
        auto *row = new QHBoxLayout;
        row->addWidget(edit, 1);
        auto *hint = new QLabel(tr("GENIES default %1").arg(qs(spec.defaultValue)), this);
        hint->setEnabled(false); // a quiet hint beside the value
        row->addWidget(hint);
        m_parameters->addRow(qs(spec.name), row);
        m_parameterEdits.emplace_back(spec.name, edit);
        setTabOrder(previous, edit);
        previous = edit;
    }
    if (intervention->parameters().empty())
        m_parameters->addRow(new QLabel(tr("This intervention has no parameters."), this));
}

void RunLauncherDialog::accept()
{
    m_refusal.clear();
    const auto slurmOptions = slurm();
    if (slurmOptions && slurmOptions->sharedDir.empty())
        m_refusal = tr("Submitting to Slurm needs a shared folder that every node reads and writes.");
    else if (m_workspace) {
        try {
            planRun(*m_workspace, request());
        } catch (const std::exception &e) {
            m_refusal = qs(e.what());
        }
    }
    m_refusalLabel->setText(m_refusal);
    m_refusalLabel->setVisible(!m_refusal.isEmpty());
    if (m_refusal.isEmpty())
        QDialog::accept();
}

RunRequest RunLauncherDialog::request() const
{
    RunRequest r;
    r.modelDir = ss(m_modelDir->currentText().trimmed());
    r.adapterDir = ss(m_adapter->text().trimmed());
    r.intervention = ss(m_intervention->currentText());
    r.shifts = ss(m_shifts->currentData().toString());
    if (r.shifts == kChosenShifts) {
        QStringList chosen;
        for (int i = 0; i < m_shiftList->count(); ++i)
            if (m_shiftList->item(i)->checkState() == Qt::Checked)
                chosen << m_shiftList->item(i)->data(Qt::UserRole).toString();
        r.shifts = ss(chosen.join(QLatin1Char(','))); // none: refused as "no shifts given" when planned
    }
    r.seed = std::uint64_t(m_seed->value());
    for (const auto &[name, edit] : m_parameterEdits)
        r.parameters.push_back(name + "=" + ss(edit->text().trimmed()));
    return r;
}

std::optional<SlurmOptions> RunLauncherDialog::slurm() const
{
    if (!m_slurm->isChecked())
        return std::nullopt;
    SlurmOptions o;
    o.sharedDir = ss(m_sharedDir->text().trimmed());
    o.partition = ss(m_partition->text().trimmed());
    o.gpusPerTask = m_gpus->value();
    o.maxParallel = m_maxParallel->value();
    o.time = ss(m_time->text().trimmed());
    for (const QString &arg : m_sbatchArgs->text().split(QLatin1Char(' '), Qt::SkipEmptyParts))
        o.sbatchArgs.push_back(ss(arg));
    o.device = o.gpusPerTask > 0 ? "cuda" : "cpu";
    return o;
}

} // namespace shiftscope
