#include "widgets/data/preferenceimportdialog.h"

#include "widgets/shell/dialogkeys.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace shiftscope {

PreferenceImportDialog::PreferenceImportDialog(QWidget *parent)
    : QDialog(parent),
      m_file(new QLineEdit(this)),
      m_name(new QLineEdit(this)),
      m_testFraction(new QDoubleSpinBox(this)),
      m_seed(new QSpinBox(this)),
      m_bySubset(new QCheckBox(tr("One distribution per \"subset\" (named NAME_SUBSET)"), this)),
      m_replace(new QCheckBox(tr("Replace a distribution of that name that came from elsewhere"), this)),
      m_chatTemplate(new QLineEdit(this))
{
    setWindowTitle(tr("Import Preference Data"));
    auto *help = new QLabel(tr("JSON Lines or JSON records in the TRL / RewardBench layout (prompt, chosen, rejected), "
                               "Anthropic HH transcripts (chosen and rejected only; the prompt is their common "
                               "beginning) or TRL's conversational messages. The chosen response is preferred."),
                            this);
    help->setWordWrap(true);
    m_file->setPlaceholderText(tr("A .jsonl or .json file of preference pairs"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(browse);
    m_name->setPlaceholderText(tr("letters, digits, _ - ."));
    m_testFraction->setRange(0, 1);
    m_testFraction->setSingleStep(0.05);
    m_testFraction->setDecimals(2);
    m_testFraction->setValue(0.2);
    m_testFraction->setToolTip(tr("Share of the pairs drawn into the test split; the draw is seeded and recorded"));
    m_seed->setRange(0, 2147483647);
    m_chatTemplate->setPlaceholderText(tr("optional: a model folder whose chat template renders conversations"));
    m_chatTemplate->setToolTip(tr("Conversations (lists of messages) are rendered with this model's chat template "
                                  "(tokenizer_config.json); without one, with ShiftScope's documented template"));
    auto *browseTemplate = new QPushButton(tr("Browse…"), this);
    auto *templateRow = new QHBoxLayout;
    templateRow->addWidget(m_chatTemplate, 1);
    templateRow->addWidget(browseTemplate);
    connect(browseTemplate, &QPushButton::clicked, this, [this] {
        const QString dir = FileDialogs::existingFolder(this, tr("Model folder with a chat template"));
        if (!dir.isEmpty())
            m_chatTemplate->setText(dir);
    });
    auto *form = new QFormLayout;
    form->addRow(tr("File"), fileRow);
    form->addRow(tr("Distribution name"), m_name);
    form->addRow(tr("Test fraction"), m_testFraction);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Chat template"), templateRow);
    form->addRow(QString(), m_bySubset);
    form->addRow(QString(), m_replace);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(help);
    layout->addLayout(form);
    layout->addWidget(buttons);
    makeKeyboardDriven(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path =
            FileDialogs::openFile(this, tr("Preference data"), tr("Preference data (*.jsonl *.json);;All files (*)"));
        if (!path.isEmpty())
            setFile(path);
    });
    connect(m_file, &QLineEdit::textChanged, this, [this] { updateOk(); });
    connect(m_name, &QLineEdit::textEdited, this, [this] {
        m_nameEdited = true;
        updateOk();
    });
    m_okButton = buttons->button(QDialogButtonBox::Ok);
    // Tab goes down the form in the order it reads.
    setTabOrder(m_file, browse);
    setTabOrder(browse, m_name);
    setTabOrder(m_name, m_testFraction);
    setTabOrder(m_testFraction, m_seed);
    setTabOrder(m_seed, m_chatTemplate);
    setTabOrder(m_chatTemplate, browseTemplate);
    setTabOrder(browseTemplate, m_bySubset);
    setTabOrder(m_bySubset, m_replace);
    resize(620, sizeHint().height());
    updateOk();
}

void PreferenceImportDialog::setFile(const QString &path)
{
    m_file->setText(path);
    if (!m_nameEdited) {
        QString stem = QFileInfo(path).completeBaseName();
        stem.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("_"));
        m_name->setText(stem);
    }
    updateOk();
}

void PreferenceImportDialog::updateOk()
{
    m_okButton->setEnabled(!m_file->text().trimmed().isEmpty() && !m_name->text().trimmed().isEmpty());
}

std::filesystem::path PreferenceImportDialog::file() const { return ss(m_file->text().trimmed()); }

PreferenceImportOptions PreferenceImportDialog::options() const
{
    PreferenceImportOptions o;
    o.name = ss(m_name->text().trimmed());
    o.testFraction = m_testFraction->value();
    o.seed = std::uint64_t(m_seed->value());
    o.bySubset = m_bySubset->isChecked();
    o.replace = m_replace->isChecked();
    o.chatTemplateDir = ss(m_chatTemplate->text().trimmed());
    return o;
}

} // namespace shiftscope
