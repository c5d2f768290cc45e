#include "demo/demoworkspace.h"
#include "engine/demo/demopipeline.h"
#include "engine/interventions/modelinterventions.h"
#include "widgets/shell/mainwindow.h"
#include "widgets/shell/qtconvert.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    shiftscope::registerModelInterventions();
    QApplication::setOrganizationName(QStringLiteral("ShiftScope"));
    QApplication::setApplicationName(QStringLiteral("shiftscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("ShiftScope"));
    QApplication::setApplicationVersion(QStringLiteral(SHIFTSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.shiftscope.ShiftScope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Audit how reward models generalize across distribution shifts."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption demo(QStringLiteral("demo"),
                            QStringLiteral("Open the demo workspace, building it first if needed."));
    parser.addOption(demo);
    parser.addPositionalArgument(QStringLiteral("workspace"),
                                 QStringLiteral("Workspace file to open, or a .shiftscope-session file to restore."));
    parser.process(app);

    shiftscope::MainWindow window;
    // The demo comes with the demo model and finished runs of zero_shot, lora and mms (built once, then reused).
    window.setDemoPreparation([](const std::filesystem::path &workspace, const shiftscope::ProgressCallback &progress) {
        return shiftscope::prepareDemo(workspace, progress);
    });
    window.show();
    if (parser.isSet(demo)) {
        window.openDemo(shiftscope::qs(shiftscope::defaultDemoWorkspacePath().string()));
    } else if (!parser.positionalArguments().isEmpty()) {
        const QString file = parser.positionalArguments().constFirst();
        if (file.endsWith(QStringLiteral(".shiftscope-session")))  // a session opens its workspace and view
            window.loadSession(file);
        else
            window.openWorkspace(file);
    } else {
        const QStringList recent = QSettings().value(QStringLiteral("recentWorkspaces")).toStringList();
        if (!recent.isEmpty())
            window.openWorkspace(recent.constFirst());
    }
    return app.exec();
}
