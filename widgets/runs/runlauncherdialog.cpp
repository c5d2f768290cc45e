#include "widgets/runs/runlauncherdialog.h"

#include "widgets/shell/dialogkeys.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "runs/intervention.h"
#include "runs/modelsummary.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace shiftscope {

RunLauncherDialog::RunLauncherDialog(const std::optional<ShiftPair> &currentShift, QWidget *parent)
    : QDialog(parent),
      m_shift(currentShift),
      m_modelDir(new QLineEdit(this)),
      m_modelSummary(new QLabel(this)),
      m_intervention(new QComboBox(this)),
      m_parameters(new QFormLayout),
      m_shifts(new QComboBox(this)),
      m_seed(new QSpinBox(this))
{
    setWindowTitle(tr("New Run"));
    m_modelSummary->setWordWrap(true);
    m_modelSummary->setText(tr("No model: only interventions that need none can run."));
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
    m_shifts->addItem(tr("All 56 shifts"), QStringLiteral("all"));
    m_seed->setRange(0, 1 << 30);

    auto *form = new QFormLayout;
    form->addRow(tr("Model folder"), modelRow);
    form->addRow(QString(), m_modelSummary);
    form->addRow(tr("Intervention"), m_intervention);
    form->addRow(tr("Shifts"), m_shifts);
    form->addRow(tr("Seed"), m_seed);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("<b>Parameters</b>"), this));
    layout->addLayout(m_parameters);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = FileDialogs::existingFolder(this, tr("Choose a Hugging Face model folder"));
        if (!dir.isEmpty())
            setModelDir(dir);
    });
    connect(m_modelDir, &QLineEdit::editingFinished, this, [this] { setModelDir(m_modelDir->text()); });
    connect(m_intervention, &QComboBox::currentIndexChanged, this, &RunLauncherDialog::rebuildParameters);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    makeKeyboardDriven(buttons);
    rebuildParameters();
}

void RunLauncherDialog::setModelDir(const QString &dir)
{
    m_modelDir->setText(dir);
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
    for (const auto &spec : intervention->parameters()) {
        auto *edit = new QLineEdit(qs(spec.defaultValue), this);
        edit->setToolTip(qs(spec.description));
        m_parameters->addRow(qs(spec.name), edit);
        m_parameterEdits.emplace_back(spec.name, edit);
    }
    if (intervention->parameters().empty())
        m_parameters->addRow(new QLabel(tr("This intervention has no parameters."), this));
}

RunRequest RunLauncherDialog::request() const
{
    RunRequest r;
    r.modelDir = ss(m_modelDir->text().trimmed());
    r.intervention = ss(m_intervention->currentText());
    r.shifts = ss(m_shifts->currentData().toString());
    r.seed = std::uint64_t(m_seed->value());
    for (const auto &[name, edit] : m_parameterEdits)
        r.parameters.push_back(name + "=" + ss(edit->text().trimmed()));
    return r;
}

} // namespace shiftscope
