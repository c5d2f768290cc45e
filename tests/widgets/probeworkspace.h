#pragma once
// What the Disagreements view's engine tests share: a workspace with a linear probe run on a planted cue, and a
// place to keep the figures they draw.
#include "cli/commandtable.h"
#include "core/craftedexamples.h"
#include "core/enginetestmodels.h"
#include "engine/cli/enginecommands.h"

#include <QDir>
#include <QTest>
#include <QWidget>
#include <filesystem>
#include <sstream>
#include <string>

namespace shiftscope::test {

//! Imports "cued" and "mixed" (importCuedAndMixed) into `root` with a character model, and runs linear_probe on
//! cued → mixed (run 1, seed 1, C = 100) in `root`/w.sqlite. Returns the workspace's path; `error` holds the
//! command's output when it failed.
inline std::filesystem::path makeProbeWorkspace(const std::filesystem::path &root, std::string &error)
{
    registerEngineCommands();
    const std::filesystem::path model = writeCharModel(root / "model");
    importCuedAndMixed(root);
    const std::filesystem::path ws = root / "w.sqlite";
    std::ostringstream out, err;
    if (runCli({"--workspace", ws.string(), "run", "--model", model.string(), "--intervention", "linear_probe",
                "--shifts", "cued:mixed", "--seed", "1", "--param", "C=100"},
               out, err)
        != 0)
        error = out.str() + err.str();
    return ws;
}

//! Where a test's figures go: the folder SHIFTSCOPE_TEST_FIGURES names, to look at them, else `fallback`.
inline QString figurePath(const QString &fallback, const QString &name)
{
    const QString kept = qEnvironmentVariable("SHIFTSCOPE_TEST_FIGURES");
    return QDir(kept.isEmpty() ? fallback : kept).filePath(name);
}

//! Saves the widget as it shows on screen, when SHIFTSCOPE_TEST_FIGURES asks for figures.
inline bool grabWhenAsked(QWidget &widget, const QString &name)
{
    if (qEnvironmentVariableIsEmpty("SHIFTSCOPE_TEST_FIGURES"))
        return true;
    widget.show();
    return QTest::qWaitForWindowExposed(&widget) && widget.grab().save(figurePath({}, name));
}

} // namespace shiftscope::test
