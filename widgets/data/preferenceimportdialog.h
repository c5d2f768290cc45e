#pragma once

#include "preferences/preferenceimport.h"

#include <QDialog>
#include <filesystem>

class QCheckBox;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace shiftscope {

//! Asks what import-preferences asks: the preference file, the distribution's name, the test fraction and seed of
//! the split, one distribution per subset, and whether a distribution from elsewhere may be replaced.
class PreferenceImportDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferenceImportDialog(QWidget *parent = nullptr);

    std::filesystem::path file() const;
    PreferenceImportOptions options() const;
    //! Sets the file (and a name from its stem while the user has not typed one).
    void setFile(const QString &path);

private:
    void updateOk();

    QLineEdit *m_file;
    QLineEdit *m_name;
    QDoubleSpinBox *m_testFraction;
    QSpinBox *m_seed;
    QCheckBox *m_bySubset;
    QCheckBox *m_replace;
    QLineEdit *m_chatTemplate;
    QPushButton *m_okButton = nullptr;
    bool m_nameEdited = false;
};

} // namespace shiftscope
