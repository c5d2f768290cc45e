// A workspace shared by real processes: a long-lived "GUI" connection in this process (which, like the GUI, opens
// further handles on the same file) and command-line processes started from this executable. Nothing written by
// any of them may be lost, and no code in the process may open the workspace's files other than through SQLite.
#include "testsupport.h"

#include "cli/commandtable.h"
#include "genies/dataimporter.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "workspace/sqlite.h"
#include "workspace/workspace.h"

#include <QCoreApplication>
#include <QProcess>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Runs this executable as a separate process in one of the child roles of childMain(); returns its exit code.
int runChild(const QStringList &arguments, QString *output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QCoreApplication::applicationFilePath(), QStringList{QStringLiteral("--child")} + arguments);
    if (!process.waitForFinished(120000))
        return -1;
    if (output)
        *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
}

Annotation flagFor(Workspace &ws, int position, const std::string &author, int index)
{
    const auto example = ws.exampleAt("a", Split::Test, position);
    Annotation a;
    a.distribution = "a";
    a.split = Split::Test;
    a.exampleHash = example->contentHash;
    a.subject = AnnotationSubject::Example;
    a.flag = "other";
    a.note = author + " " + std::to_string(index);
    a.author = author;
    return a;
}

int countAnnotations(const fs::path &workspace)
{
    Workspace ws = Workspace::open(workspace);
    return int(ws.annotations().size());
}

fs::path makeWorkspace(const QTemporaryDir &dir)
{
    writeText(tempPath(dir, "d/a/train.json"), validSplit(4));
    writeText(tempPath(dir, "d/a/test.json"), validSplit(6));
    const fs::path path = tempPath(dir, "shared.sqlite");
    Workspace ws = Workspace::create(path);
    DataImporter::importData(ws, tempPath(dir, "d"));
    return path;
}

} // namespace

class TestWorkspaceSharing : public QObject {
    Q_OBJECT
private slots:
    void secondHandleThenCliReportKeepsGuiWrites();
    void workspaceFilesAreNeverOpenedDirectly();
    void concurrentWritersLoseNothing();
    void emptyWorkspaceFileBecomesAWorkspace();
};

void TestWorkspaceSharing::secondHandleThenCliReportKeepsGuiWrites()
{
    // The sequence that lost data: the GUI has the workspace open and writes; it opens a second handle on the same
    // file (the run launcher does) and closes it; a read-only CLI command runs and exits; the GUI writes again.
    // Every write must reach the file every other process reads.
    QTemporaryDir dir;
    const fs::path path = makeWorkspace(dir);
    Workspace gui = Workspace::open(path);
    gui.addAnnotation(flagFor(gui, 0, "gui", 1));
    for (int round = 0; round < 3; ++round) {
        {
            Workspace second = Workspace::open(path); // as the run launcher and the runs panel do
            QVERIFY(!second.distributions().empty());
        }
        QString output;
        QCOMPARE(runChild({QStringLiteral("cli"), QStringLiteral("--workspace"), QString::fromStdString(path.string()),
                           QStringLiteral("report")},
                          &output),
                 0);
        gui.addAnnotation(flagFor(gui, 1, "gui", round + 2)); // failed with "disk I/O error" or went to a deleted WAL
    }
    const fs::path exported = tempPath(dir, "flags.json");
    QString output;
    QCOMPARE(runChild({QStringLiteral("cli"), QStringLiteral("--workspace"), QString::fromStdString(path.string()),
                       QStringLiteral("annotations"), QStringLiteral("export"), QStringLiteral("--out"),
                       QString::fromStdString(exported.string())},
                      &output),
             0);
    const auto json = nlohmann::json::parse(readText(exported));
    const auto &records = json.at("flags");
    QCOMPARE(int(records.size()), 4);
    QCOMPARE(countAnnotations(path), 4);

    gui.addAnnotation(flagFor(gui, 2, "gui", 9));
    gui = Workspace::open(path); // closes the first connection
    Statement check(gui.db(), "PRAGMA integrity_check");
    QVERIFY(check.step());
    QCOMPARE(QString::fromStdString(check.text(0)), QStringLiteral("ok"));
    QCOMPARE(int(gui.annotations().size()), 5);
}

void TestWorkspaceSharing::workspaceFilesAreNeverOpenedDirectly()
{
    // While a connection is open, reading the workspace or its side files through core's readers is refused by
    // name, without opening them; after the last connection closes, the file is an ordinary file again.
    QTemporaryDir dir;
    const fs::path path = makeWorkspace(dir);
    {
        Workspace gui = Workspace::open(path);
        gui.addAnnotation(flagFor(gui, 0, "gui", 1));
        QVERIFY(fs::exists(path.string() + "-wal"));
        for (const std::string suffix : {"", "-wal", "-shm"}) {
            try {
                readInputFile(path.string() + suffix);
                QFAIL(qPrintable(QString::fromStdString("read " + path.string() + suffix)));
            } catch (const InputError &e) {
                QVERIFY2(std::string(e.what()).find("is the open workspace") != std::string::npos, e.what());
            }
        }
        // Another name for the same file is the same file.
        const fs::path alias = tempPath(dir, "alias.json");
        fs::create_hard_link(path, alias);
        QVERIFY(ProtectedFiles::contains(alias));
        QVERIFY(!ProtectedFiles::contains(tempPath(dir, "d/a/test.json")));
        // A CLI process handed its own workspace as an input file refuses it by name (exit 2), without opening it.
        QString output;
        QCOMPARE(
            runChild({QStringLiteral("cli"), QStringLiteral("--workspace"), QString::fromStdString(path.string()),
                      QStringLiteral("annotations"), QStringLiteral("import"), QString::fromStdString(alias.string())},
                     &output),
            2);
        QVERIFY2(output.contains(QStringLiteral("is the open workspace")), qPrintable(output));
        gui.addAnnotation(flagFor(gui, 1, "gui", 2));
    }
    QCOMPARE(countAnnotations(path), 2);
    QVERIFY(!ProtectedFiles::contains(path));
    QVERIFY(!readInputFile(path).empty());
}

void TestWorkspaceSharing::concurrentWritersLoseNothing()
{
    // The GUI connection writes while two processes add flags one transaction at a time, a third imports a file
    // of flags and a fourth reads reports: every write arrives.
    QTemporaryDir dir;
    const fs::path path = makeWorkspace(dir);
    const QString ws = QString::fromStdString(path.string());
    nlohmann::json imported = nlohmann::json::array();
    {
        Workspace scratch = Workspace::create(tempPath(dir, "scratch.sqlite"));
        DataImporter::importData(scratch, tempPath(dir, "d"));
        for (int i = 0; i < 15; ++i)
            scratch.addAnnotation(flagFor(scratch, i % 6, "imported", i));
    }
    QCOMPARE(runChild({QStringLiteral("cli"), QStringLiteral("--workspace"),
                       QString::fromStdString(tempPath(dir, "scratch.sqlite").string()), QStringLiteral("annotations"),
                       QStringLiteral("export"), QStringLiteral("--out"),
                       QString::fromStdString(tempPath(dir, "import.json").string())}),
             0);

    Workspace gui = Workspace::open(path);
    std::vector<std::unique_ptr<QProcess>> children;
    auto start = [&](const QStringList &arguments) {
        auto process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->start(QCoreApplication::applicationFilePath(), QStringList{QStringLiteral("--child")} + arguments);
        QVERIFY(process->waitForStarted());
        children.push_back(std::move(process));
    };
    start({QStringLiteral("flagger"), ws, QStringLiteral("one"), QStringLiteral("40")});
    start({QStringLiteral("flagger"), ws, QStringLiteral("two"), QStringLiteral("40")});
    start({QStringLiteral("cli"), QStringLiteral("--workspace"), ws, QStringLiteral("annotations"),
           QStringLiteral("import"), QString::fromStdString(tempPath(dir, "import.json").string())});
    start({QStringLiteral("reader"), ws, QStringLiteral("30")});
    for (int i = 0; i < 40; ++i) {
        gui.addAnnotation(flagFor(gui, i % 6, "gui", i));
        if (i % 10 == 0) {
            Workspace second = Workspace::open(path); // the GUI's extra handles come and go meanwhile
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (auto &process : children) {
        QVERIFY(process->waitForFinished(120000));
        QVERIFY2(process->exitStatus() == QProcess::NormalExit && process->exitCode() == 0,
                 qPrintable(process->arguments().join(' ') + ": " + QString::fromUtf8(process->readAll())));
    }
    QCOMPARE(int(gui.annotations().size()), 40 + 40 + 40 + 15);
    QCOMPARE(countAnnotations(path), 135);
}

void TestWorkspaceSharing::emptyWorkspaceFileBecomesAWorkspace()
{
    // What a kill -9 or a full disk right after creating a workspace leaves: a 0-byte file. It opens as a new,
    // empty workspace instead of being refused from then on. A file with other content is still refused.
    QTemporaryDir dir;
    const fs::path empty = tempPath(dir, "empty.sqlite");
    writeText(empty, "");
    {
        Workspace ws = Workspace::open(empty);
        QVERIFY(ws.distributions().empty());
    }
    Workspace again = Workspace::open(empty);
    QVERIFY(!again.catalogues().empty());
    const fs::path text = tempPath(dir, "notes.sqlite");
    writeText(text, "these are my notes, not a database; they are long enough to fill a header or two........");
    try {
        Workspace::open(text);
        QFAIL("opened a text file");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("not an SQLite database") != std::string::npos, e.what());
    }
    QCOMPARE(QString::fromStdString(readText(text)).left(8), QStringLiteral("these ar"));
}

namespace {

//! The roles this executable plays as a child process.
int childMain(const std::vector<std::string> &args)
{
    try {
        if (args.at(0) == "cli")
            return runCli(std::vector<std::string>(args.begin() + 1, args.end()), std::cout, std::cerr);
        if (args.at(0) == "flagger") { // WORKSPACE AUTHOR COUNT: that many flags, one transaction each
            Workspace ws = Workspace::open(args.at(1));
            for (int i = 0; i < std::stoi(args.at(3)); ++i) {
                ws.addAnnotation(flagFor(ws, i % 6, args.at(2), i));
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return 0;
        }
        if (args.at(0) == "reader") { // WORKSPACE ROUNDS: opens, reads and closes the workspace again and again
            for (int i = 0; i < std::stoi(args.at(2)); ++i) {
                Workspace ws = Workspace::open(args.at(1));
                if (ws.distributions().empty())
                    return 3;
                (void)ws.annotations();
            }
            return 0;
        }
    } catch (const std::exception &e) {
        std::cerr << "child " << args.at(0) << ": " << e.what() << "\n";
        return 4;
    }
    return 5;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc > 2 && std::string(argv[1]) == "--child")
        return childMain(std::vector<std::string>(argv + 2, argv + argc));
    QCoreApplication app(argc, argv);
    TestWorkspaceSharing test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_workspacesharing.moc"
