#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! One CSV record and the line it starts on (1-based; a quoted field may span lines).
struct CsvRecord {
    int line = 0;
    std::vector<std::string> fields;
};

//! Parses RFC 4180 CSV: commas, optional double quotes with "" for a quote, LF or CRLF line ends, newlines inside
//! quoted fields, a leading UTF-8 byte-order mark. Blank lines are skipped. Throws InputError naming `file` and the
//! line for a quote that is never closed or text after a closing quote.
std::vector<CsvRecord> parseCsv(std::string_view text, const std::string &file);

//! One CSV line ending in "\n", quoting the fields that need it.
std::string csvLine(const std::vector<std::string> &fields);

} // namespace shiftscope
