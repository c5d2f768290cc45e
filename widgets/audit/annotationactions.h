#pragma once

#include <QString>

class QWidget;

namespace shiftscope {

class Workspace;

//! What an annotation action did: a line for the status bar, and an error (title and message) when it failed or
//! left something out. Empty when the user cancelled.
struct AnnotationOutcome {
    QString status;
    QString errorTitle;
    QString error;
};

//! The annotation actions of the Audit menu. Each asks for what it needs over `parent` and does the work through
//! core (AnnotationIo, RelabelStats); the main window only shows the outcome.
namespace AnnotationActions {

//! Asks for a .csv or .json file and exports every flag and relabel judgement to it.
AnnotationOutcome exportAnnotations(QWidget *parent, Workspace &workspace);
//! Asks for a file and imports its flags and judgements; records that match no example here are listed in the
//! outcome's error.
AnnotationOutcome importAnnotations(QWidget *parent, Workspace &workspace);
//! Asks for a distribution (offering `suggested` first) and opens a blind relabelling pass over its test split.
void blindRelabelling(QWidget *parent, Workspace &workspace, const QString &suggested);
//! Shows the relabelling agreement and Cohen's kappa in a non-modal box.
void showStatistics(QWidget *parent, Workspace &workspace);
//! Asks for the annotator name stored with new flags and judgements.
void askAnnotatorName(QWidget *parent);

} // namespace AnnotationActions

} // namespace shiftscope
