#include "annotation/csv.h"

#include "util/errors.h"

namespace shiftscope {

std::vector<CsvRecord> parseCsv(std::string_view text, const std::string &file)
{
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    std::vector<CsvRecord> records;
    CsvRecord record;
    std::string field;
    int line = 1;
    bool quoted = false, afterQuote = false, empty = true;
    const auto endField = [&] {
        record.fields.push_back(std::move(field));
        field.clear();
        afterQuote = false;
    };
    const auto endRecord = [&] {
        endField();
        if (!empty)
            records.push_back(std::move(record));
        record = CsvRecord{};
        empty = true;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (record.fields.empty() && field.empty() && empty)
            record.line = line;
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
                afterQuote = true;
            } else {
                line += c == '\n' ? 1 : 0;
                field += c;
            }
            continue;
        }
        if (c == ',') {
            endField();
            empty = false;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            endRecord();
            ++line;
        } else if (afterQuote) {
            throw InputError(InputProblem{file, "line " + std::to_string(line),
                                          "text after the closing quote of a field",
                                          "quote the whole field, and double any quote inside it"});
        } else if (c == '"' && field.empty()) {
            quoted = true;
            empty = false;
        } else {
            field += c;
            empty = false;
        }
    }
    if (quoted)
        throw InputError(InputProblem{file, "line " + std::to_string(record.line), "a quoted field is never closed",
                                      "add the closing double quote"});
    if (!empty || !field.empty() || !record.fields.empty())
        endRecord();
    return records;
}

std::string csvLine(const std::vector<std::string> &fields)
{
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i)
            line += ',';
        const std::string &f = fields[i];
        if (f.find_first_of(",\"\r\n") == std::string::npos) {
            line += f;
            continue;
        }
        line += '"';
        for (char c : f)
            line += c == '"' ? std::string("\"\"") : std::string(1, c);
        line += '"';
    }
    return line + "\n";
}

} // namespace shiftscope
