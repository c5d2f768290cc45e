#pragma once

#include "results/resultanalysis.h"
#include "widgets/results/resultsviewbase.h"

#include <map>
#include <string>
#include <vector>

class QChartView;
class QLabel;
class QPushButton;
class QScrollArea;
class QStandardItemModel;

namespace shiftscope {

class ChartOverlay;

//! Per shift of the context's shift set, for its model: grouped horizontal bars of generalization accuracy (one bar
//! per chosen intervention), the zero-shot baseline and the target-tuned capability, each with its 95% interval as
//! a whisker; beside it, differential elicitation per intervention. A seed group's bar is its mean across seeds with
//! a whisker from the lowest to the highest seed; "Per seed…" lists every seed's values. Shifts without any result are left out (a note
//! says how many). Clicking a shift's row selects it; the selected shift is outlined.
class ShiftResultsView : public ResultsViewBase {
    Q_OBJECT
public:
    explicit ShiftResultsView(ResultsContext *context, QWidget *parent = nullptr);

    void refresh() override;
    QWidget *figureWidget() override;
    QAbstractItemModel *tableModel() override;

    QChartView *accuracyView() const { return m_accuracyView; }
    QChartView *elicitationView() const { return m_elicitationView; }
    //! The shifts shown, by bar category: the first is the bottom row, so that the shift set reads top down.
    const std::vector<ShiftPair> &shownShifts() const { return m_shifts; }
    //! The category of the outlined shift, or -1.
    int highlightedCategory() const { return m_highlighted; }
    //! The 95% interval whiskers of the accuracy chart.
    const ChartOverlay *whiskers() const { return m_whiskers; }
    //! Opens the table of every seed's values behind the seed groups shown; enabled when one is chosen.
    QPushButton *perSeedButton() const { return m_perSeed; }
    //! The chosen interventions that are seed groups (their bars are means across seeds).
    std::vector<std::string> shownSeedGroups() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void prepareExport(bool exporting, bool withSelection) override;
    int figurePages(QSize size) override;
    void showFigurePage(int page, QSize size) override;

private:
    //! The result of `intervention` for the shift in bar category `category`.
    const ShiftResult &resultAt(const std::string &intervention, int category) const;
    //! Baseline and capability do not depend on the intervention: the first intervention that has the value.
    AccuracyEstimate referenceAt(int category, AccuracyEstimate ShiftResult::*which) const;
    //! Shows the shifts [first, first + count) of those with results, and sizes the figure for them.
    void showShifts(std::size_t first, std::size_t count);
    //! The height a shift's bar group needs to stay legible, and what titles, axes and legend take.
    struct RowLayout {
        int group = 0;
        int overhead = 0;
    };
    RowLayout rowLayout() const;
    //! How many shifts a figure of `height` pixels holds legibly.
    int shiftsFitting(int height) const;
    void buildAccuracyChart();
    void buildElicitationChart();
    //! Whether a shift's label takes two lines ("source →", then the target) at the current type size.
    bool longLabel(const ShiftPair &shift) const;
    //! The bar categories' labels: "source → target".
    QStringList shiftLabels() const;
    void fillTable();
    void highlight(const ShiftPair &shift);
    void showSeedValues();

    QWidget *m_figure;     //!< the two charts side by side
    QScrollArea *m_scroll; //!< around the figure: many shifts make it taller than the view
    QLabel *m_note;
    QPushButton *m_perSeed;
    QLabel *m_legend; //!< shared by both charts
    QChartView *m_accuracyView;
    QChartView *m_elicitationView;
    ChartOverlay *m_whiskers;
    ChartOverlay *m_accuracyHighlight;
    ChartOverlay *m_elicitationHighlight;
    QStandardItemModel *m_table;
    std::vector<std::string> m_interventions;
    std::map<std::string, std::vector<ShiftResult>> m_results;
    std::vector<std::size_t> m_resultIndex;    //!< by bar category: index into the per-intervention results
    std::vector<ShiftPair> m_shifts;           //!< by bar category
    std::vector<std::size_t> m_allResultIndex; //!< every shift with results, bottom up
    std::vector<ShiftPair> m_allShifts;
    int m_highlighted = -1;
};

} // namespace shiftscope
