#include "audit/auditjson.h"

#include <map>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

Json refJson(const ExampleRef &r)
{
    return Json{{"distribution", r.distribution},
                {"split", splitName(r.split)},
                {"position", r.position},
                {"response", r.response >= 0 ? Json(r.response) : Json(nullptr)}};
}

Json findingJson(const Finding &f, const FindingReview *review)
{
    Json examples = Json::array();
    for (const auto &r : f.examples)
        examples.push_back(refJson(r));
    Json out{{"key", f.key},
             {"check", f.check},
             {"title", f.title},
             {"severity", severityName(f.severity)},
             {"figure", f.figure},
             {"figure_text", f.figureText},
             {"explanation", f.explanation},
             {"example_count", f.exampleCount},
             {"examples", std::move(examples)}};
    out["review"] = review ? Json{{"status", reviewStatusName(review->status)},
                                  {"note", review->note},
                                  {"author", review->author},
                                  {"reviewed_at", review->reviewedAt},
                                  {"figure_text", review->figureText},
                                  {"figure_changed", review->figureText != f.figureText}}
                           : Json(nullptr);
    return out;
}

} // namespace

std::string auditReportsJson(const std::vector<AuditReport> &reports, const std::vector<FindingReview> &reviews)
{
    std::map<std::string, const FindingReview *> byKey;
    for (const auto &r : reviews)
        byKey[r.findingKey] = &r;
    Json list = Json::array();
    int distributions = 0, shifts = 0, reviewed = 0, dismissed = 0;
    std::map<Severity, int> counts;
    for (const auto &report : reports) {
        const bool shift = report.kind == AuditScope::Shift;
        (shift ? shifts : distributions) += 1;
        Json item{{"kind", shift ? "shift" : "distribution"}, {"scope", report.scope}};
        if (shift) {
            item["source"] = report.source;
            item["target"] = report.target;
            item["category"] = report.category;
        }
        item["counts"] = Json{{"problem", report.count(Severity::Problem)},
                              {"warning", report.count(Severity::Warning)},
                              {"info", report.count(Severity::Info)}};
        Json findings = Json::array();
        for (const auto &f : report.findings) {
            auto it = byKey.find(f.key);
            const FindingReview *review = it == byKey.end() ? nullptr : it->second;
            ++counts[f.severity];
            if (review)
                (review->status == ReviewStatus::Dismissed ? dismissed : reviewed) += 1;
            findings.push_back(findingJson(f, review));
        }
        item["findings"] = std::move(findings);
        list.push_back(std::move(item));
    }
    const Json summary{{"distributions", distributions},
                       {"shifts", shifts},
                       {"problem", counts[Severity::Problem]},
                       {"warning", counts[Severity::Warning]},
                       {"info", counts[Severity::Info]},
                       {"reviewed", reviewed},
                       {"dismissed", dismissed}};
    return Json{{"reports", std::move(list)}, {"summary", summary}}.dump(2);
}

} // namespace shiftscope
