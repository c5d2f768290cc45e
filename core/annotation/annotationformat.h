#pragma once

#include "workspace/auditstore.h"
#include "workspace/records.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

enum class AnnotationFormat { Csv, Json };

//! By extension: ".csv" or ".json" (any case).
std::optional<AnnotationFormat> annotationFormatOf(const std::filesystem::path &path);

//! The flags an annotation may carry.
const std::vector<std::string> &annotationFlags();

//! One record of an annotation file: a flag (on an example, pair or response) or a blind relabel judgement.
struct AnnotationRecord {
    enum class Kind { Flag, Judgement };
    Kind kind = Kind::Flag;
    Annotation flag;            //!< when kind is Flag
    RelabelJudgement judgement; //!< when kind is Judgement
    int examplePosition = -1;   //!< where the example was when exported, for people; matching uses the hash
    std::string place;          //!< where it was read: "line 12", or "line 5 (flags[2])" in JSON
};

//! The text of an annotation file. CSV has one header row and one record per row, kind first
//! (see docs/FORMATS.md); JSON is {"format": "shiftscope-annotations", "version": 1, "flags": [...],
//! "judgements": [...]} with one record per line.
std::string writeAnnotationRecords(const std::vector<AnnotationRecord> &records, AnnotationFormat format);

//! Reads an annotation file's records. Every malformed record is reported at once in an InputError (file, place,
//! message, fix); columns are found by their header, so their order does not matter.
std::vector<AnnotationRecord> readAnnotationRecords(std::string_view text, AnnotationFormat format,
                                                    const std::string &file);

} // namespace shiftscope
