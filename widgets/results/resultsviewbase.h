#pragma once

#include "widgets/results/figureexport.h"

#include <QStringList>
#include <QWidget>
#include <functional>

class QAbstractBarSeries;
class QAbstractItemModel;
class QBarCategoryAxis;
class QBarSet;
class QChart;
class QChartView;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QStackedWidget;
class QStandardItemModel;
class QValueAxis;

namespace shiftscope {

class ResultsContext;
struct ResultMatrix;

//! What every results view shares: a toolbar (the view's own controls, then "Export figure…" at a chosen size and
//! "Export CSV…"), an empty state that says what to do, and refreshing from the ResultsContext. A view reloads when
//! the context's scope changes, at once when visible, else when next shown; and rebuilds on a palette change, which
//! is how presentation mode reaches it.
class ResultsViewBase : public QWidget {
    Q_OBJECT
public:
    ResultsViewBase(ResultsContext *context, QWidget *parent = nullptr);

    ResultsContext *context() const { return m_context; }
    //! Reloads everything from the context now.
    virtual void refresh() = 0;
    //! What "Export figure…" renders.
    virtual QWidget *figureWidget() = 0;
    //! What "Export CSV…" writes (the data behind the figure, in the order shown), or nullptr.
    virtual QAbstractItemModel *tableModel() { return nullptr; }

    //! Exports without dialogs (for tests and scripts); brings the view up to date first. The selected shift's
    //! outline is left out unless `withSelection`.
    //! A view whose figure does not fit `size` legibly (shift results of many shifts) writes pages instead:
    //! "<name>-1.<ext>", "<name>-2.<ext>", ...; `written` receives the files written.
    bool exportFigure(const QString &path, QSize size = kDefaultFigureSize, QString *error = nullptr,
                      bool withSelection = false, QStringList *written = nullptr);
    bool exportCsv(const QString &path, QString *error = nullptr);
    //! The empty-state text when the view shows no results, else an empty string; brings the view up to date first.
    QString emptyMessage();
    //! Refreshes now if a scope change is waiting.
    void ensureFresh();
    //! "Still running: lora · run 4 (1,240 of 3,000 pairs in so far)." for the chosen interventions that a run is
    //! still writing, or an empty string: views that show a run while it runs say so.
    QString inProgressNote() const;
    //! Chooses the intervention of a view that shows one; false when the view has no intervention combo or the
    //! intervention is not among the context's.
    bool setIntervention(const QString &intervention);

protected:
    //! The intervention a view showing one starts on when its choice is not in scope: by default the first.
    virtual QString preferredIntervention() const { return {}; }
    //! How many pages the figure takes at `size` to stay legible; 1 unless a view splits its figure.
    virtual int figurePages(QSize) { return 1; }
    //! Lays the figure out as page `page` of figurePages(`size`), or as a whole (on screen) for -1.
    virtual void showFigurePage(int, QSize) {}
    //! Before an export (true) and after it (false): a view lets go of its figure for rendering at the export's
    //! size, and hides the outline of the selected shift unless `withSelection`.
    virtual void prepareExport(bool /*exporting*/, bool /*withSelection*/) {}
    //! The row of the toolbar where a view adds its own controls.
    QHBoxLayout *controls() const { return m_controls; }
    //! The widget shown when there are results; set once, in the subclass constructor.
    void setContent(QWidget *content);
    //! Shows `message`, which must say what to do, instead of the content.
    void showMessage(const QString &message);
    void showContent();
    //! What the user has to do before any results can be shown (open a workspace, import results, choose a model
    //! or interventions), or an empty string.
    QString scopeProblem() const;
    //! The empty state when the scope has no values: names the model and interventions and says what to do.
    QString noResultsMessage(const QString &what) const;

    //! Whether any cell of `matrix` holds a value.
    static bool hasValues(const ResultMatrix &matrix);
    //! A combo over the context's interventions, kept in sync with them; changing it refreshes the view.
    QComboBox *interventionCombo();
    //! Refreshes now when visible, else when next shown.
    void refreshLater();

    //! Gives a figure the base colour (white) of the exported image instead of the window's grey.
    static void setFigureBackground(QWidget *figure);
    //! A frameless, antialiased chart view owning a new chart.
    QChartView *createChartView();
    //! Removes every series and axis of `chart`.
    static void clearChart(QChart *chart);
    //! Adds `series` to `chart` over a category axis with `labels`, placed at `alignment`.
    static QBarCategoryAxis *addCategoryAxis(QChart *chart, QAbstractBarSeries *series, const QStringList &labels,
                                             Qt::Alignment alignment, const QString &title = {});
    //! A value axis from below `low` (or 0) to above `high` (or 0), with round ticks.
    static QValueAxis *valueAxisAround(double low, double high, const QString &title);
    //! Fills a bar set with `colour` and edges it a little darker.
    static void colourBarSet(QBarSet *set, const QColor &colour);
    //! Shows the text `tip(set index, category)` while the pointer is over a bar.
    static void setBarToolTips(QAbstractBarSeries *series, std::function<QString(int, int)> tip);
    //! Appends one row of display values to the table behind a chart.
    static void appendRow(QStandardItemModel *model, const QVariantList &values);

    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void onScopeChanged();
    void chooseFigureFile();
    void chooseCsvFile();
    QString suggestedFileName(const QString &suffix) const;

    ResultsContext *m_context;
    QHBoxLayout *m_controls;
    QComboBox *m_figureSize;
    QStackedWidget *m_stack;
    QLabel *m_message;
    QComboBox *m_interventions = nullptr;
    bool m_stale = true;
};

} // namespace shiftscope
