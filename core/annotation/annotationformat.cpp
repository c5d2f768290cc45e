#include "annotation/annotationformat.h"

#include "annotation/csv.h"
#include "util/errors.h"
#include "util/utf8.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;
using Fields = std::map<std::string, std::string>;

const std::vector<std::string> kCsvColumns = {
    "kind", "distribution", "split",       "example_hash", "example_position", "subject",   "response_position",
    "flag", "choice",       "shown_order", "note",         "author",           "created_at"};
constexpr const char *kFormatName = "shiftscope-annotations";

std::string optionalInt(const std::optional<int> &value) { return value ? std::to_string(*value) : std::string(); }

//! A record as named text fields, the common ground of both formats.
Fields toFields(const AnnotationRecord &r)
{
    const bool flag = r.kind == AnnotationRecord::Kind::Flag;
    const Annotation &a = r.flag;
    const RelabelJudgement &j = r.judgement;
    Fields fields{{"kind", flag ? "flag" : "judgement"},
                  {"distribution", flag ? a.distribution : j.distribution},
                  {"split", std::string(splitName(flag ? a.split : j.split))},
                  {"example_hash", flag ? a.exampleHash : j.exampleHash},
                  {"example_position", r.examplePosition >= 0 ? std::to_string(r.examplePosition) : ""},
                  {"author", flag ? a.author : j.annotator},
                  {"created_at", flag ? a.createdAt : j.createdAt}};
    if (flag) {
        fields.insert({{"subject", std::string(subjectName(a.subject))},
                       {"response_position", optionalInt(a.responsePosition)},
                       {"flag", a.flag},
                       {"note", a.note}});
    } else {
        fields.insert({{"response_position", std::to_string(j.dispreferredPosition)},
                       {"choice", std::string(relabelChoiceName(j.choice))},
                       {"shown_order", j.preferredShownFirst ? "preferred_first" : "dispreferred_first"}});
    }
    return fields;
}

//! "line 3, column 7" for a byte offset of `text`.
std::string lineAndColumn(std::string_view text, std::size_t offset)
{
    const auto pos = positionOfOffset(text, offset);
    return "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column);
}

//! Checks and converts one record's fields; every problem is added to `problems`.
std::optional<AnnotationRecord> fromFields(const Fields &fields, const std::string &file, const std::string &place,
                                           std::vector<InputProblem> &problems)
{
    const std::size_t before = problems.size();
    const auto get = [&](const char *name) {
        auto it = fields.find(name);
        return it == fields.end() ? std::string() : it->second;
    };
    const auto problem = [&](std::string message, std::string fix) {
        problems.push_back({file, place, std::move(message), std::move(fix)});
    };
    const auto integer = [&](const char *name, bool required) -> std::optional<int> {
        const std::string text = get(name);
        if (text.empty()) {
            if (required)
                problem(std::string(name) + " is missing", "give the response's position (0-based)");
            return std::nullopt;
        }
        if (text.size() > 9 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            problem(std::string(name) + " must be a whole number >= 0, got '" + text + "'", "write a 0-based position");
            return std::nullopt;
        }
        return std::stoi(text);
    };
    AnnotationRecord r;
    r.place = place;
    const std::string kind = get("kind");
    if (kind != "flag" && kind != "judgement")
        problem("kind must be 'flag' or 'judgement', got '" + kind + "'", "use flag or judgement");
    const std::string distribution = get("distribution");
    if (distribution.empty())
        problem("distribution is missing", "name the distribution the example belongs to");
    const auto split = splitFromName(get("split"));
    if (!split)
        problem("split must be 'train' or 'test', got '" + get("split") + "'", "use train or test");
    const std::string hash = get("example_hash");
    if (hash.size() != 64 || !std::all_of(hash.begin(), hash.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }))
        problem("example_hash must be 64 lower-case hex digits, got '" + hash + "'",
                "keep the example_hash column of the export unchanged");
    r.examplePosition = integer("example_position", false).value_or(-1);
    const std::string author = get("author");
    if (author.empty())
        problem("author is missing", "name who made the annotation");
    for (const auto &[name, text] : fields)
        if (firstInvalidUtf8(text))
            problem(name + " is not valid UTF-8", "save the file as UTF-8");

    if (kind == "flag") {
        Annotation &a = r.flag;
        a.distribution = distribution;
        a.split = split.value_or(Split::Test);
        a.exampleHash = hash;
        const auto subject = subjectFromName(get("subject"));
        if (!subject)
            problem("subject must be example, pair or response, got '" + get("subject") + "'",
                    "use example, pair or response");
        a.subject = subject.value_or(AnnotationSubject::Example);
        a.responsePosition = integer("response_position", subject && *subject != AnnotationSubject::Example);
        if (subject == AnnotationSubject::Example)
            a.responsePosition.reset();
        a.flag = get("flag");
        const auto &flags = annotationFlags();
        if (std::find(flags.begin(), flags.end(), a.flag) == flags.end())
            problem("flag must be bad_pair, ambiguous, mislabeled or other, got '" + a.flag + "'",
                    "use one of those flags");
        a.note = get("note");
        a.author = author;
        a.createdAt = get("created_at");
    } else if (kind == "judgement") {
        RelabelJudgement &j = r.judgement;
        r.kind = AnnotationRecord::Kind::Judgement;
        j.distribution = distribution;
        j.split = split.value_or(Split::Test);
        j.exampleHash = hash;
        j.dispreferredPosition = integer("response_position", true).value_or(0);
        j.annotator = author;
        const std::string order = get("shown_order");
        if (order != "preferred_first" && order != "dispreferred_first")
            problem("shown_order must be preferred_first or dispreferred_first, got '" + order + "'",
                    "keep the shown_order column of the export");
        j.preferredShownFirst = order == "preferred_first";
        const auto choice = relabelChoiceFromName(get("choice"));
        if (!choice)
            problem("choice must be preferred, dispreferred or skip, got '" + get("choice") + "'",
                    "use preferred, dispreferred or skip");
        j.choice = choice.value_or(RelabelChoice::Skip);
        j.createdAt = get("created_at");
    }
    if (problems.size() > before)
        return std::nullopt;
    return r;
}

//! Line of every element of the top-level "flags" and "judgements" arrays, found by a scan that follows strings
//! and nesting (nlohmann/json keeps no positions).
std::map<std::string, std::vector<int>> elementLines(std::string_view text)
{
    std::map<std::string, std::vector<int>> lines;
    int depth = 0, line = 1;
    std::string lastKey, currentArray;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n')
            ++line;
        if (c == '"') {
            const std::size_t start = ++i;
            while (i < text.size() && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            if (depth == 1)
                lastKey = std::string(text.substr(start, i - start));
        } else if (c == '[' || c == '{') {
            if (depth == 1 && c == '[')
                currentArray = lastKey;
            else if (depth == 2 && !currentArray.empty())
                lines[currentArray].push_back(line);
            ++depth;
        } else if (c == ']' || c == '}') {
            --depth;
            if (depth == 1)
                currentArray.clear();
        }
    }
    return lines;
}

std::vector<AnnotationRecord> readJson(std::string_view text, const std::string &file)
{
    Json root;
    try {
        root = Json::parse(text);
    } catch (const Json::parse_error &e) {
        throw InputError(InputProblem{file, lineAndColumn(text, e.byte > 0 ? e.byte - 1 : 0), "not valid JSON",
                                      "fix the JSON syntax, or export the annotations again"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{file,
                                      {},
                                      "a number in the file is too large to represent",
                                      "fix the number, or export the annotations again"});
    }
    if (!root.is_object() || root.value("format", "") != kFormatName)
        throw InputError(
            InputProblem{file,
                         {},
                         "not a ShiftScope annotation file (no \"format\": \"" + std::string(kFormatName) + "\")",
                         "import a file written by 'annotations export'"});
    const auto lines = elementLines(text);
    std::vector<AnnotationRecord> records;
    std::vector<InputProblem> problems;
    for (const char *array : {"flags", "judgements"}) {
        if (!root.contains(array))
            continue;
        const Json &list = root[array];
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto lineIt = lines.find(array);
            const bool known = lineIt != lines.end() && i < lineIt->second.size();
            const std::string place = (known ? "line " + std::to_string(lineIt->second[i]) + " " : std::string()) + "("
                                    + array + "[" + std::to_string(i) + "])";
            Fields fields{{"kind", std::string(array) == "flags" ? "flag" : "judgement"}};
            if (!list[i].is_object()) {
                problems.push_back({file, place, "expected an object", "write each record as a JSON object"});
                continue;
            }
            for (const auto &[key, value] : list[i].items())
                fields[key] = value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump();
            if (auto record = fromFields(fields, file, place, problems))
                records.push_back(std::move(*record));
        }
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    return records;
}

std::vector<AnnotationRecord> readCsv(std::string_view text, const std::string &file)
{
    const auto rows = parseCsv(text, file);
    if (rows.empty())
        return {};
    const auto &header = rows.front().fields;
    std::vector<InputProblem> problems;
    for (const char *required : {"kind", "distribution", "split", "example_hash", "response_position", "author"})
        if (std::find(header.begin(), header.end(), required) == header.end())
            problems.push_back({file, "line 1", std::string("the header has no column '") + required + "'",
                                "keep the header row of the export"});
    if (!problems.empty())
        throw InputError(std::move(problems));
    std::vector<AnnotationRecord> records;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const std::string place = "line " + std::to_string(rows[r].line);
        if (rows[r].fields.size() != header.size()) {
            problems.push_back({file, place,
                                "has " + std::to_string(rows[r].fields.size()) + " fields, the header "
                                    + std::to_string(header.size()),
                                "quote fields that contain commas or line breaks"});
            continue;
        }
        Fields fields;
        for (std::size_t c = 0; c < header.size(); ++c)
            fields[header[c]] = rows[r].fields[c];
        if (auto record = fromFields(fields, file, place, problems))
            records.push_back(std::move(*record));
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    return records;
}

} // namespace

std::optional<AnnotationFormat> annotationFormatOf(const std::filesystem::path &path)
{
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; });
    if (ext == ".csv")
        return AnnotationFormat::Csv;
    if (ext == ".json")
        return AnnotationFormat::Json;
    return std::nullopt;
}

const std::vector<std::string> &annotationFlags()
{
    static const std::vector<std::string> flags = {"bad_pair", "ambiguous", "mislabeled", "other"};
    return flags;
}

std::string writeAnnotationRecords(const std::vector<AnnotationRecord> &records, AnnotationFormat format)
{
    if (format == AnnotationFormat::Csv) {
        std::string text = csvLine(kCsvColumns);
        for (const auto &r : records) {
            Fields fields = toFields(r);
            std::vector<std::string> row;
            for (const auto &column : kCsvColumns)
                row.push_back(fields[column]);
            text += csvLine(row);
        }
        return text;
    }
    // One record per line keeps the file diffable and gives each record a line to report.
    std::string flags, judgements;
    for (const auto &r : records) {
        Json item = Json::object();
        for (const auto &[key, value] : toFields(r)) {
            if (key == "kind")
                continue;
            const bool number = (key == "example_position" || key == "response_position") && !value.empty();
            item[key] = number ? Json(std::stoi(value)) : value.empty() && key != "note" ? Json(nullptr) : Json(value);
        }
        std::string &list = r.kind == AnnotationRecord::Kind::Flag ? flags : judgements;
        list += (list.empty() ? "\n    " : ",\n    ") + item.dump();
    }
    return "{\n  \"format\": \"" + std::string(kFormatName) + "\",\n  \"version\": 1,\n  \"flags\": [" + flags
         + (flags.empty() ? "" : "\n  ") + "],\n  \"judgements\": [" + judgements + (judgements.empty() ? "" : "\n  ")
         + "]\n}\n";
}

std::vector<AnnotationRecord> readAnnotationRecords(std::string_view text, AnnotationFormat format,
                                                    const std::string &file)
{
    if (auto bad = firstInvalidUtf8(text))
        throw InputError(InputProblem{file, lineAndColumn(text, *bad), "not valid UTF-8", "save the file as UTF-8"});
    return format == AnnotationFormat::Csv ? readCsv(text, file) : readJson(text, file);
}

} // namespace shiftscope
