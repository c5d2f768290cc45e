#pragma once

#include "workspace/records.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QPlainTextEdit;

namespace shiftscope {

//! Flags an example, one of its pairs or one of its responses: the flag (bad pair, ambiguous, mislabeled, other),
//! a note and the annotator's name, which is remembered.
class FlagDialog : public QDialog {
    Q_OBJECT
public:
    //! `pairResponse` preselects the pair with that dispreferred response (-1: the example).
    FlagDialog(const ExampleRecord &record, int pairResponse = -1, QWidget *parent = nullptr);

    //! The annotation to store (author and time filled in).
    Annotation annotation() const;
    void setFlag(const QString &flag);
    void setNote(const QString &note);

    //! The annotator name remembered across sessions (the login name the first time).
    static QString annotatorName();
    static void setAnnotatorName(const QString &name);

private:
    ExampleRecord m_record;
    QComboBox *m_subject;
    QComboBox *m_flag;
    QPlainTextEdit *m_note;
    QLineEdit *m_author;
};

//! "Bad pair", "Ambiguous", ... for a stored flag name.
QString flagDisplayName(const std::string &flag);

} // namespace shiftscope
