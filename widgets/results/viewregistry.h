#pragma once

#include <QString>
#include <functional>
#include <memory>
#include <vector>

class QWidget;

namespace shiftscope {

class ResultsContext;
class ResultsViewBase;

//! One results view as the main window's tabs and `export-figure` know it. `name` is the view's stable id: the
//! export-figure VIEW argument, the start of its figure file names, its objectName and its key in session files.
struct ResultsViewEntry {
    QString name;
    const char *title; //!< the tab title, translated in the "ResultsViews" context
    std::function<ResultsViewBase *(ResultsContext *context, QWidget *parent)> create;

    QString translatedTitle() const;
};

//! Every results view, in tab order.
const std::vector<ResultsViewEntry> &resultsViews();
//! The view named `name`, or nullptr.
const ResultsViewEntry *findResultsView(const QString &name);
//! "shift-results, heatmap, ..." for messages.
QString resultsViewNames();
//! A new view of `name` over `context` with its objectName set, or nullptr for an unknown name.
std::unique_ptr<ResultsViewBase> createResultsView(const QString &name, ResultsContext *context,
                                                   QWidget *parent = nullptr);

} // namespace shiftscope
