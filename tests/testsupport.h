#pragma once

#include "cli/commandtable.h"

#include <QString>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace shiftscope::test {

//! The project's ../shared folder when present (CI and developers have it; users do not).
inline std::filesystem::path sharedDir() { return std::filesystem::path(SHIFTSCOPE_SHARED_DIR); }
inline bool haveShared() { return std::filesystem::exists(sharedDir() / "fixtures" / "genies"); }
inline std::filesystem::path geniesFixtures() { return sharedDir() / "fixtures" / "genies"; }

inline void writeText(const std::filesystem::path &path, const std::string &text)
{
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

inline std::string readText(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::filesystem::path tempPath(const QTemporaryDir &dir, const char *name)
{
    return std::filesystem::path(dir.path().toStdString()) / name;
}

//! A small valid split with `count` examples of `responses` responses.
inline std::string validSplit(int count, int responses = 2, const std::string &tag = "x")
{
    std::string text = "[";
    for (int i = 0; i < count; ++i) {
        text += (i ? "," : "") + std::string("{\"prompt\": \"Q") + tag + std::to_string(i) + "\\n\", \"responses\": {";
        for (int r = 0; r < responses; ++r)
            text += (r ? ", " : "") + std::string("\"answer ") + std::to_string(r) + "\": " + (r == 0 ? "1" : "0");
        text += "}}";
    }
    return text + "]";
}

//! What one in-process run of the command line printed and returned.
struct CommandOutput {
    int code = 0;
    std::string out;
    std::string err;
};

inline CommandOutput runCommand(const std::vector<std::string> &args)
{
    std::ostringstream out, err;
    const int code = runCli(args, out, err);
    return {code, out.str(), err.str()};
}

} // namespace shiftscope::test

#define SKIP_WITHOUT_SHARED()                                                                                          \
    do {                                                                                                               \
        if (!shiftscope::test::haveShared())                                                                           \
            QSKIP("../shared/fixtures/genies is absent (it exists for developers and CI, not on users' machines)");    \
    } while (false)
