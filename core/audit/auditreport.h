#pragma once

#include "data/types.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

enum class Severity { Info, Warning, Problem };

std::string_view severityName(Severity severity);
std::optional<Severity> severityFromName(std::string_view name);

//! An example, or one of its responses, behind a finding: enough to open it in the example view. For a pair,
//! `response` is its dispreferred response; -1 means the example as a whole (or its prompt).
struct ExampleRef {
    std::string distribution;
    Split split = Split::Test;
    int position = 0;
    int response = -1;

    bool operator==(const ExampleRef &) const = default;
};

//! One result of one check in one scope. `key` names what the finding is about, not its figure, so a review
//! stored under it survives re-runs and re-imports.
struct Finding {
    std::string key;        //!< "<check>@<scope>" or "<check>@<scope>:<subject>"
    std::string check;      //!< e.g. "duplicates.exact.train_test"
    std::string title;      //!< one line for lists
    double figure = 0.0;    //!< the headline number: a count or a share in [0, 1]
    std::string figureText; //!< the figure as shown, e.g. "12 (1.4%)"
    Severity severity = Severity::Info;
    std::string explanation;          //!< what the figure means and why it matters
    std::vector<ExampleRef> examples; //!< the evidence, most telling first; at most the audit's per-finding cap
    int exampleCount = 0;             //!< how many there are in all
};

enum class AuditScope { Distribution, Shift };

//! The findings of one distribution or one shift, every check with its figure (Info when nothing is wrong).
struct AuditReport {
    AuditScope kind = AuditScope::Distribution;
    std::string scope;    //!< the distribution name, or shiftScopeName(source, target)
    std::string source;   //!< for a shift
    std::string target;   //!< for a shift
    std::string category; //!< for a shift, when its catalogue names one
    std::vector<Finding> findings;

    int count(Severity severity) const;
    const Finding *find(std::string_view check) const;
};

std::string shiftScopeName(std::string_view source, std::string_view target);
std::string findingKey(std::string_view check, std::string_view scope, std::string_view subject = {});

//! Starts a finding with its key, check, title and figure; evidence and explanation are filled in by the caller.
Finding makeFinding(std::string_view check, std::string_view scope, std::string title, double figure,
                    std::string figureText, Severity severity, std::string subject = {});

//! Stores `refs` as the finding's evidence, keeping the first `cap` and counting all of them.
void setEvidence(Finding &finding, std::vector<ExampleRef> refs, int cap);

//! "12.5%"
std::string formatPercent(double share);
//! "1 pair", "3 pairs": a count and a noun that takes an s in the plural.
std::string formatCount(int count, std::string_view noun);
//! "12 (1.4%)": a count and its share of `total`.
std::string formatCountShare(int count, int total);

//! Severity of a rule that should be right half of the time (length, position, a response-only classifier):
//! a warning from 60% (or 40%), a problem from 75% (or 25%), and only when the 95% Wilson interval over `trials`
//! excludes 50%, so a handful of pairs cannot raise an alarm. Never above `cap`.
Severity chanceRuleSeverity(double accuracy, int trials, Severity cap = Severity::Problem);

} // namespace shiftscope
