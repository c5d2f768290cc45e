#pragma once

#include "results/resultanalysis.h"

#include <QDialog>
#include <map>
#include <string>
#include <vector>

class QTableWidget;

namespace shiftscope {

//! Every seed's values behind the means a seed group shows: per shift, the mean and standard deviation of
//! generalization accuracy and differential elicitation, then each seed's (run and seed named in the header).
class SeedValuesDialog : public QDialog {
    Q_OBJECT
public:
    //! `results` by intervention as shiftResults gives them, `shifts` in the same order; only seed groups are shown.
    SeedValuesDialog(const std::map<std::string, std::vector<ShiftResult>> &results,
                     const std::vector<std::string> &groups, const std::vector<ShiftPair> &shifts,
                     QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }
    //! Selects the row of `shift`, if shown.
    void selectShift(const ShiftPair &shift);

private:
    QTableWidget *m_table;
};

} // namespace shiftscope
