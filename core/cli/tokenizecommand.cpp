#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"
#include "util/inputfile.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

constexpr std::size_t kMaxReported = 20;

//! The "text" of every line, or InputError listing the bad lines (up to kMaxReported of them).
std::vector<std::string> readTexts(std::istream &in, const std::string &name)
{
    std::vector<std::string> texts;
    std::vector<InputProblem> problems;
    std::size_t badLines = 0;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const std::string place = "line " + std::to_string(number);
        auto problem = [&](const std::string &where, const std::string &message) {
            if (++badLines <= kMaxReported)
                problems.push_back({name, where, message, "write one JSON object {\"text\": \"...\"} per line"});
        };
        try {
            const auto json = nlohmann::json::parse(line);
            const auto it = json.is_object() ? json.find("text") : json.end();
            if (it == json.end())
                problem(place, "no \"text\" key");
            else if (!it->is_string())
                problem(place, std::string("\"text\" is a ") + it->type_name() + ", not a string");
            else
                texts.push_back(it->get<std::string>());
        } catch (const nlohmann::json::parse_error &e) {
            problem(place + ", column " + std::to_string(std::max<std::size_t>(e.byte, 1)), "not valid JSON");
        } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
            problem(place, "a number in the file is too large to represent");
        }
    }
    if (in.bad())
        throw InputError(InputProblem{name, {}, "reading failed", "check that the file is readable"});
    if (badLines > kMaxReported)
        problems.push_back({name, {}, std::to_string(badLines - kMaxReported) + " more bad lines", {}});
    if (!problems.empty())
        throw InputError(std::move(problems));
    return texts;
}

void writeIds(std::ostream &out, const std::vector<int> &ids)
{
    std::string line = "{\"ids\": [";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i)
            line += ", ";
        line += std::to_string(ids[i]);
    }
    line += "]}\n";
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

int tokenize(CommandContext &c)
{
    const std::string tokenizerPath = c.required("tokenizer");
    const std::string input = c.required("jsonl");
    c.expectOperands(0, "no operands");
    const Tokenizer tokenizer = Tokenizer::load(tokenizerPath);
    std::vector<std::string> texts;
    if (input == "-") {
        texts = readTexts(std::cin, "<stdin>");
    } else {
        std::istringstream file(readInputFile(input, kMaxInputFileBytes, "check the path given to --jsonl"));
        texts = readTexts(file, input);
    }
    const bool special = c.args.has("special");
    for (const auto &text : texts)
        writeIds(c.out, tokenizer.encode(text, special));
    c.out.flush();
    return ExitOk;
}

} // namespace

void addTokenizeCommand(CommandTable &table)
{
    table.add({"tokenize",
               "Models",
               {"--tokenizer FILE_OR_MODEL_DIR --jsonl IN [--special]"},
               "token ids of each {\"text\": ...} line of IN (- for standard input), one {\"ids\": [...]} line each; "
               "nothing is written when a line is bad",
               WorkspaceUse::None,
               {{"tokenizer", "FILE_OR_MODEL_DIR", "a tokenizer.json, or a model folder holding one"},
                {"jsonl", "IN", "the input lines (- for standard input)"},
                {"special", {}, "add what the tokenizer's post-processor adds (LLaMA's <s> in front)"}},
               tokenize});
}

} // namespace shiftscope
