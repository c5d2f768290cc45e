#pragma once

#include "data/types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! A distribution stored in a workspace, with the counts the CLI and browser show.
struct DistributionInfo {
    std::int64_t id = 0;
    std::string name;
    std::string originPath;
    std::string contentHash; //!< hash over both split files' hashes
    int trainExamples = 0;
    int testExamples = 0;
    int responsesPerExample = 0; //!< N of the first test example (or train when test is empty)
    int testPairs = 0;           //!< GENIES "all pairs" count (reference 1.3)
    std::string importedAt;
};

//! Filter for the example tables; `search` matches prompts and responses (case-insensitive for ASCII).
//! What an example table is sorted by.
enum class ExampleOrder { Position, Prompt, Preferred, Responses, Flags };

struct ExampleQuery {
    std::int64_t distributionId = 0;
    Split split = Split::Test;
    std::string search;
    bool flaggedOnly = false; //!< only examples with at least one annotation
    ExampleOrder order = ExampleOrder::Position;
    bool descending = false;
};

//! One row of an example table: enough to show it without loading every response.
struct ExampleSummary {
    std::int64_t id = 0;
    int position = 0;
    std::string prompt;
    std::string preferred;
    int responseCount = 0;
    int annotationCount = 0;
};

//! A stored example with its identity in the workspace.
struct ExampleRecord {
    std::int64_t id = 0;
    std::string distribution;
    Split split = Split::Test;
    std::string contentHash;
    Example example;
};

//! Where an example with a given content hash sits in the workspace now.
struct ExampleLocation {
    std::int64_t id = 0;
    int position = 0;
    int responseCount = 0;
    int preferredPosition = 0;
};

struct CatalogueInfo {
    std::int64_t id = 0;
    std::string name;
    std::string origin;
    bool builtin = false;
    int rows = 0;
    int uniqueShifts = 0;
};

//! What an annotation is about.
enum class AnnotationSubject { Example, Pair, Response };

//! A flag with a note on an example, a pair (example + dispreferred response) or a single response. It is keyed
//! by distribution name and example content hash so it survives re-imports of the same data.
struct Annotation {
    std::int64_t id = 0;
    std::string distribution;
    Split split = Split::Test;
    std::string exampleHash;
    AnnotationSubject subject = AnnotationSubject::Example;
    std::optional<int> responsePosition; //!< the response, or the pair's dispreferred response
    std::string flag;                    //!< "bad_pair", "ambiguous", "mislabeled" or "other"
    std::string note;
    std::string author;
    std::string createdAt; //!< ISO 8601, UTC
};

std::string_view subjectName(AnnotationSubject subject);
std::optional<AnnotationSubject> subjectFromName(std::string_view name);

} // namespace shiftscope
