#include "widgets/audit/flagdialog.h"

#include "annotation/annotationformat.h"
#include "widgets/shell/dialogkeys.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QVBoxLayout>

namespace shiftscope {

namespace {
constexpr int kSubjectRole = Qt::UserRole + 1;
constexpr int kResponseRole = Qt::UserRole + 2;
} // namespace

QString flagDisplayName(const std::string &flag)
{
    if (flag == "bad_pair")
        return QObject::tr("Bad pair");
    if (flag == "ambiguous")
        return QObject::tr("Ambiguous");
    if (flag == "mislabeled")
        return QObject::tr("Mislabeled");
    if (flag == "other")
        return QObject::tr("Other");
    return qs(flag);
}

QString FlagDialog::annotatorName()
{
    const QString stored = QSettings().value(QStringLiteral("annotator")).toString();
    if (!stored.isEmpty())
        return stored;
    const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    return user.isEmpty() ? QStringLiteral("annotator") : user;
}

void FlagDialog::setAnnotatorName(const QString &name) { QSettings().setValue(QStringLiteral("annotator"), name); }

FlagDialog::FlagDialog(const ExampleRecord &record, int pairResponse, QWidget *parent)
    : QDialog(parent),
      m_record(record),
      m_subject(new QComboBox(this)),
      m_flag(new QComboBox(this)),
      m_note(new QPlainTextEdit(this)),
      m_author(new QLineEdit(annotatorName(), this))
{
    setWindowTitle(tr("Flag %1 example %2").arg(qs(record.distribution)).arg(record.example.position));
    m_subject->addItem(tr("The example"), int(AnnotationSubject::Example));
    m_subject->setItemData(0, -1, kResponseRole);
    const auto &responses = record.example.responses;
    for (std::size_t i = 0; i < responses.size(); ++i) {
        if (responses[i].label != 0)
            continue;
        m_subject->addItem(tr("The pair with dispreferred response %1").arg(i), int(AnnotationSubject::Pair));
        m_subject->setItemData(m_subject->count() - 1, int(i), kResponseRole);
        if (int(i) == pairResponse)
            m_subject->setCurrentIndex(m_subject->count() - 1);
    }
    for (std::size_t i = 0; i < responses.size(); ++i) {
        m_subject->addItem(tr("Response %1 alone").arg(i), int(AnnotationSubject::Response));
        m_subject->setItemData(m_subject->count() - 1, int(i), kResponseRole);
    }
    for (const auto &flag : annotationFlags())
        m_flag->addItem(flagDisplayName(flag), qs(flag));
    m_note->setPlaceholderText(tr("Why? (optional)"));
    auto *form = new QFormLayout;
    form->addRow(tr("About"), m_subject);
    form->addRow(tr("Flag"), m_flag);
    form->addRow(tr("Note"), m_note);
    form->addRow(tr("Annotator"), m_author);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        setAnnotatorName(m_author->text().trimmed());
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    makeKeyboardDriven(buttons);
}

void FlagDialog::setFlag(const QString &flag)
{
    const int index = m_flag->findData(flag);
    if (index >= 0)
        m_flag->setCurrentIndex(index);
}

void FlagDialog::setNote(const QString &note) { m_note->setPlainText(note); }

Annotation FlagDialog::annotation() const
{
    Annotation a;
    a.distribution = m_record.distribution;
    a.split = m_record.split;
    a.exampleHash = m_record.contentHash;
    a.subject = AnnotationSubject(m_subject->currentData().toInt());
    const int response = m_subject->currentData(kResponseRole).toInt();
    if (response >= 0)
        a.responsePosition = response;
    a.flag = ss(m_flag->currentData().toString());
    a.note = ss(m_note->toPlainText().trimmed());
    a.author = ss(m_author->text().trimmed().isEmpty() ? annotatorName() : m_author->text().trimmed());
    a.createdAt = utcNow();
    return a;
}

} // namespace shiftscope
