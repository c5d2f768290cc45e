#pragma once

#include "data/types.h"

#include <QDialog>

class QComboBox;
class QLabel;

namespace shiftscope {

class Workspace;

//! Builds a shift from two of the workspace's distributions into a catalogue of the user's own: source, target,
//! target reference, category and group. Accepting adds it (addShiftToCatalogue); a refusal is shown in the
//! dialog, which stays open.
class NewShiftDialog : public QDialog {
    Q_OBJECT
public:
    NewShiftDialog(Workspace *workspace, const QString &currentCatalogue, QWidget *parent = nullptr);

    QString catalogue() const;
    ShiftPair shift() const;

    void accept() override;

private:
    Workspace *m_workspace;
    QComboBox *m_source;
    QComboBox *m_target;
    QComboBox *m_reference;
    QComboBox *m_category;
    QComboBox *m_group;
    QComboBox *m_catalogue;
    QLabel *m_error; //!< why the last Add was refused
};

} // namespace shiftscope
