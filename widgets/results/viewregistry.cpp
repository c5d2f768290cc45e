#include "widgets/results/viewregistry.h"

#include "widgets/results/calibrationview.h"
#include "widgets/results/categoryview.h"
#include "widgets/results/heatmapview.h"
#include "widgets/results/shiftresultsview.h"
#include "widgets/results/transferview.h"

#include <QCoreApplication>

namespace shiftscope {

namespace {

template <typename View>
ResultsViewBase *make(ResultsContext *context, QWidget *parent)
{
    return new View(context, parent);
}

} // namespace

QString ResultsViewEntry::translatedTitle() const { return QCoreApplication::translate("ResultsViews", title); }

const std::vector<ResultsViewEntry> &resultsViews()
{
    static const std::vector<ResultsViewEntry> views = {
        {QStringLiteral("shift-results"), QT_TRANSLATE_NOOP("ResultsViews", "Shift results"), make<ShiftResultsView>},
        {QStringLiteral("heatmap"), QT_TRANSLATE_NOOP("ResultsViews", "Heatmap"), make<HeatmapView>},
        {QStringLiteral("categories"), QT_TRANSLATE_NOOP("ResultsViews", "Categories"), make<CategoryView>},
        {QStringLiteral("transfer"), QT_TRANSLATE_NOOP("ResultsViews", "Transfer"), make<TransferView>},
        {QStringLiteral("calibration"), QT_TRANSLATE_NOOP("ResultsViews", "Calibration"), make<CalibrationView>},
    };
    return views;
}

const ResultsViewEntry *findResultsView(const QString &name)
{
    for (const auto &entry : resultsViews())
        if (entry.name == name)
            return &entry;
    return nullptr;
}

QString resultsViewNames()
{
    QStringList names;
    for (const auto &entry : resultsViews())
        names << entry.name;
    return names.join(QStringLiteral(", "));
}

std::unique_ptr<ResultsViewBase> createResultsView(const QString &name, ResultsContext *context, QWidget *parent)
{
    const ResultsViewEntry *entry = findResultsView(name);
    if (!entry)
        return nullptr;
    std::unique_ptr<ResultsViewBase> view(entry->create(context, parent));
    view->setObjectName(entry->name);
    return view;
}

} // namespace shiftscope
