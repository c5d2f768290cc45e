#include "widgets/data/newshiftdialog.h"

#include "genies/catalogueeditor.h"
#include "genies/shiftcatalogue.h"
#include "util/errors.h"
#include "widgets/shell/dialogkeys.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace shiftscope {

NewShiftDialog::NewShiftDialog(Workspace *workspace, const QString &currentCatalogue, QWidget *parent)
    : QDialog(parent),
      m_workspace(workspace),
      m_source(new QComboBox(this)),
      m_target(new QComboBox(this)),
      m_reference(new QComboBox(this)),
      m_category(new QComboBox(this)),
      m_group(new QComboBox(this)),
      m_catalogue(new QComboBox(this)),
      m_error(new QLabel(this))
{
    setWindowTitle(tr("New Shift"));
    for (const auto &d : workspace->distributions()) {
        const QString name = qs(d.name);
        const QString label = tr("%1  (%2 train, %3 test)").arg(name).arg(d.trainExamples).arg(d.testExamples);
        m_source->addItem(label, name);
        m_target->addItem(label, name);
        m_reference->addItem(label, name);
    }
    m_reference->insertItem(0, tr("The target itself"), QString());
    m_reference->setCurrentIndex(0);
    if (m_target->count() > 1)
        m_target->setCurrentIndex(1);
    m_category->setEditable(true);
    m_category->addItem(QString());
    for (const auto &c : geniesCategories())
        m_category->addItem(qs(c.id));
    m_category->lineEdit()->setPlaceholderText(tr("a GENIES category or your own"));
    m_group->addItem(tr("None"), QString());
    m_group->addItem(tr("Extreme"), QStringLiteral("extreme"));
    m_group->addItem(tr("Probing"), QStringLiteral("probing"));
    m_catalogue->setEditable(true);
    for (const auto &c : workspace->catalogues())
        if (!c.builtin)
            m_catalogue->addItem(qs(c.name));
    const bool currentIsOwn = m_catalogue->findText(currentCatalogue) >= 0;
    m_catalogue->setCurrentText(currentIsOwn           ? currentCatalogue
                                : m_catalogue->count() ? m_catalogue->itemText(0)
                                                       : tr("My shifts"));
    auto *help = new QLabel(tr("A shift trains on the source and evaluates on the target; the target reference "
                               "is the distribution whose own training gives the target's ceiling."),
                            this);
    help->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Source"), m_source);
    form->addRow(tr("Target"), m_target);
    form->addRow(tr("Target reference"), m_reference);
    form->addRow(tr("Category"), m_category);
    form->addRow(tr("Group"), m_group);
    form->addRow(tr("Catalogue"), m_catalogue);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Add Shift"));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(m_source->count() >= 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(help);
    layout->addLayout(form);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b3261e;"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    makeKeyboardDriven(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &NewShiftDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(560, sizeHint().height());
}

QString NewShiftDialog::catalogue() const { return m_catalogue->currentText().trimmed(); }

ShiftPair NewShiftDialog::shift() const
{
    ShiftPair s;
    s.source = ss(m_source->currentData().toString());
    s.target = ss(m_target->currentData().toString());
    s.targetReference = ss(m_reference->currentData().toString());
    s.category = ss(m_category->currentText().trimmed());
    s.group = ss(m_group->currentData().toString());
    return s;
}

void NewShiftDialog::accept()
{
    try {
        addShiftToCatalogue(*m_workspace, ss(catalogue()), shift());
    } catch (const InputError &e) {
        QStringList lines;
        for (const auto &p : e.problems())
            lines << qs(p.message + (p.fix.empty() ? std::string() : " (" + p.fix + ")"));
        m_error->setText(lines.join(QLatin1Char('\n')));
        m_error->show();
        return;
    }
    QDialog::accept();
}

} // namespace shiftscope
