#include "audit/auditreport.h"

#include "util/statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shiftscope {

std::string_view severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Problem: return "problem";
    }
    return "info";
}

std::optional<Severity> severityFromName(std::string_view name)
{
    for (Severity s : {Severity::Info, Severity::Warning, Severity::Problem})
        if (severityName(s) == name)
            return s;
    return std::nullopt;
}

int AuditReport::count(Severity severity) const
{
    return int(
        std::count_if(findings.begin(), findings.end(), [&](const Finding &f) { return f.severity == severity; }));
}

const Finding *AuditReport::find(std::string_view check) const
{
    for (const auto &f : findings)
        if (f.check == check)
            return &f;
    return nullptr;
}

std::string shiftScopeName(std::string_view source, std::string_view target)
{
    return std::string(source) + "->" + std::string(target);
}

std::string findingKey(std::string_view check, std::string_view scope, std::string_view subject)
{
    std::string key = std::string(check) + "@" + std::string(scope);
    if (!subject.empty())
        key += ":" + std::string(subject);
    return key;
}

Finding makeFinding(std::string_view check, std::string_view scope, std::string title, double figure,
                    std::string figureText, Severity severity, std::string subject)
{
    Finding f;
    f.key = findingKey(check, scope, subject);
    f.check = std::string(check);
    f.title = std::move(title);
    f.figure = figure;
    f.figureText = std::move(figureText);
    f.severity = severity;
    return f;
}

void setEvidence(Finding &finding, std::vector<ExampleRef> refs, int cap)
{
    finding.exampleCount = int(refs.size());
    if (cap >= 0 && refs.size() > std::size_t(cap))
        refs.resize(std::size_t(cap));
    finding.examples = std::move(refs);
}

std::string formatPercent(double share)
{
    char buffer[32];
    const double percent = 100.0 * share;
    // One decimal below 10% so that small but real shares (0.4%) do not print as 0%.
    std::snprintf(buffer, sizeof buffer, percent < 10.0 && percent > 0.0 ? "%.1f%%" : "%.0f%%", percent);
    return buffer;
}

std::string formatCount(int count, std::string_view noun)
{
    return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string formatCountShare(int count, int total)
{
    return std::to_string(count) + " (" + formatPercent(total > 0 ? double(count) / total : 0.0) + ")";
}

Severity chanceRuleSeverity(double accuracy, int trials, Severity cap)
{
    if (trials <= 0 || wilsonInterval(accuracy, trials).contains(0.5))
        return Severity::Info;
    const double distance = std::abs(accuracy - 0.5);
    const Severity severity = distance >= 0.25 ? Severity::Problem
                            : distance >= 0.1  ? Severity::Warning
                                               : Severity::Info;
    return std::min(severity, cap);
}

} // namespace shiftscope
