#pragma once

#include "workspace/records.h"

#include <QTextBrowser>
#include <optional>

namespace shiftscope {

//! Shows one example in full: its prompt and every response in file order, the preferred one clearly marked,
//! each with its length in characters, and the example's annotations. Search terms are highlighted.
class ExampleView : public QTextBrowser {
    Q_OBJECT
public:
    explicit ExampleView(QWidget *parent = nullptr);

    void showExample(const ExampleRecord &record, const std::vector<Annotation> &annotations = {});
    void setHighlight(const QString &term);
    void clearExample(const QString &message = {});
    //! The example shown, if any.
    const std::optional<ExampleRecord> &record() const { return m_record; }

private:
    void render();

    std::optional<ExampleRecord> m_record;
    std::vector<Annotation> m_annotations;
    QString m_highlight;
};

} // namespace shiftscope
