#include "audit/auditor.h"

#include "audit/duplicatereport.h"
#include "audit/templatecheck.h"
#include "audit/tokenizedsplit.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <tuple>

namespace shiftscope {

//! What the shift checks need of a distribution, kept after its examples are released.
struct Auditor::Profile {
    SplitFingerprints train;
    SplitFingerprints test;
    LengthBiasResult trainLength;
    LengthBiasResult testLength;
};

struct Auditor::Loaded {
    std::string name;
    std::vector<Example> train;
    std::vector<Example> test;
    TokenizedSplit trainTokens; //!< shared by the duplicate and shortcut checks
    TokenizedSplit testTokens;

    const std::vector<Example> &split(Split s) const { return s == Split::Train ? train : test; }
};

namespace {

using Clock = std::chrono::steady_clock;

//! Adds the time from construction to destruction to a check's total.
template <typename Add>
class Timer {
public:
    Timer(Add add, std::string check) : m_add(add), m_check(std::move(check)), m_start(Clock::now()) {}
    ~Timer() { m_add(m_check, std::chrono::duration<double>(Clock::now() - m_start).count()); }
    Timer(const Timer &) = delete;
    Timer &operator=(const Timer &) = delete;

private:
    Add m_add;
    std::string m_check;
    Clock::time_point m_start;
};

const Example *findExample(const std::vector<Example> &examples, int position)
{
    auto it = std::lower_bound(examples.begin(), examples.end(), position,
                               [](const Example &e, int p) { return e.position < p; });
    return it != examples.end() && it->position == position ? &*it : nullptr;
}

InputError missingDistribution(Workspace &ws, const std::string &name)
{
    return InputError(InputProblem{ws.path().string(),
                                   {},
                                   "no distribution '" + name + "' in the workspace",
                                   "import it with import-data, or list them with the distributions command"});
}

} // namespace

Auditor::Auditor(Workspace &workspace, AuditOptions options)
    : m_workspace(workspace), m_options(std::move(options)), m_duplicates(m_options.duplicates)
{
}

Auditor::~Auditor() = default;

void Auditor::addTime(const std::string &check, double seconds)
{
    for (auto &[name, total] : m_timings)
        if (name == check) {
            total += seconds;
            return;
        }
    m_timings.emplace_back(check, seconds);
}

Auditor::Loaded Auditor::load(const std::string &name)
{
    if (!m_workspace.distribution(name))
        throw missingDistribution(m_workspace, name);
    const auto add = [this](const std::string &c, double s) { addTime(c, s); };
    std::vector<Example> train, test;
    {
        Timer timer(add, "load");
        train = m_workspace.examples(name, Split::Train);
        test = m_workspace.examples(name, Split::Test);
    }
    Timer timer(add, "tokenize");
    TokenizedSplit trainTokens(train), testTokens(test);
    return {name, std::move(train), std::move(test), std::move(trainTokens), std::move(testTokens)};
}

const Auditor::Profile &Auditor::profile(const std::string &name, const Loaded *loaded)
{
    if (auto it = m_profiles.find(name); it != m_profiles.end())
        return *it->second;
    std::optional<Loaded> own;
    if (!loaded) {
        own = load(name);
        loaded = &*own;
    }
    const auto add = [this](const std::string &c, double s) { addTime(c, s); };
    auto p = std::make_unique<Profile>();
    {
        Timer timer(add, "duplicates");
        auto common = std::make_shared<const std::vector<std::uint64_t>>(
            m_duplicates.templateShingles({&loaded->trainTokens, &loaded->testTokens}));
        p->train = m_duplicates.fingerprint(name, Split::Train, loaded->train, loaded->trainTokens, common);
        p->test = m_duplicates.fingerprint(name, Split::Test, loaded->test, loaded->testTokens, common);
    }
    {
        Timer timer(add, "length_bias");
        p->trainLength = LengthBias::measure(loaded->train);
        p->testLength = LengthBias::measure(loaded->test);
    }
    return *m_profiles.emplace(name, std::move(p)).first->second;
}

AuditReport Auditor::auditDistribution(const std::string &name)
{
    const Loaded data = load(name);
    const Profile &p = profile(name, &data);
    const auto add = [this](const std::string &c, double s) { addTime(c, s); };
    const int cap = m_options.maxExamplesPerFinding;
    AuditReport report;
    report.kind = AuditScope::Distribution;
    report.scope = name;
    const auto append = [&](std::vector<Finding> more) {
        report.findings.insert(report.findings.end(), std::make_move_iterator(more.begin()),
                               std::make_move_iterator(more.end()));
    };
    {
        Timer timer(add, "duplicates");
        const auto lookup = [&](const ExampleRef &ref) { return findExample(data.split(ref.split), ref.position); };
        using C = DuplicateReport::Comparison;
        const auto train = m_duplicates.find({&p.train}, {}, lookup);
        const auto test = m_duplicates.find({&p.test}, {}, lookup);
        const auto leak = m_duplicates.find({&p.train}, {&p.test}, lookup);
        const int trainSize = int(data.train.size()), testSize = int(data.test.size());
        append(DuplicateReport::findings(train, C::Train, name, trainSize, {}, cap));
        append(DuplicateReport::findings(test, C::Test, name, testSize, {}, cap));
        append(DuplicateReport::findings(
            leak, C::TrainTest, name, testSize, [](const ExampleRef &r) { return r.split == Split::Test; }, cap));
        report.findings.push_back(DuplicateReport::conflictingLabels({&train, &test, &leak}, name, cap));
    }
    {
        Timer timer(add, "length_bias");
        report.findings.push_back(LengthBias::finding(p.trainLength, name, Split::Train, cap));
        report.findings.push_back(LengthBias::finding(p.testLength, name, Split::Test, cap));
    }
    {
        Timer timer(add, "shortcut");
        const ShortcutDetector detector(m_options.shortcuts);
        const auto result = detector.run(name, data.train, data.test, data.trainTokens, data.testTokens);
        append(ShortcutDetector::findings(result, name, cap));
    }
    {
        Timer timer(add, "structure");
        append(StructureChecks(m_options.structure).run(name, data.train, data.test, cap));
        append(TemplateCheck::run(name, data.train, data.test, cap));
    }
    return report;
}

AuditReport Auditor::auditShift(const ShiftPair &shift)
{
    const Profile &source = profile(shift.source, nullptr);
    const Profile &target = profile(shift.target, nullptr);
    const auto add = [this](const std::string &c, double s) { addTime(c, s); };
    const int cap = m_options.maxExamplesPerFinding;
    AuditReport report;
    report.kind = AuditScope::Shift;
    report.scope = shiftScopeName(shift.source, shift.target);
    report.source = shift.source;
    report.target = shift.target;
    report.category = shift.category;
    {
        Timer timer(add, "shift_duplicates");
        // The texts were released after profiling; fetch only the near-duplicate candidates.
        std::map<std::tuple<std::string, Split, int>, Example> fetched;
        const auto lookup = [&](const ExampleRef &ref) -> const Example * {
            const auto key = std::make_tuple(ref.distribution, ref.split, ref.position);
            if (auto it = fetched.find(key); it != fetched.end())
                return &it->second;
            auto record = m_workspace.exampleAt(ref.distribution, ref.split, ref.position);
            return record ? &fetched.emplace(key, std::move(record->example)).first->second : nullptr;
        };
        const auto result = m_duplicates.find({&source.train, &source.test}, {&target.train, &target.test}, lookup);
        const int targetSize = int(target.train.size() + target.test.size());
        const auto onTarget = [&](const ExampleRef &r) { return r.distribution == shift.target; };
        auto findings = DuplicateReport::findings(result, DuplicateReport::Comparison::SourceTarget, report.scope,
                                                  targetSize, onTarget, cap);
        report.findings = std::move(findings);
    }
    {
        Timer timer(add, "length_bias");
        report.findings.push_back(LengthBias::flipFinding(source.trainLength, target.testLength, shift, cap));
    }
    return report;
}

std::vector<AuditReport> Auditor::auditAll(std::int64_t catalogueId, const ProgressCallback &progress)
{
    const auto distributions = m_workspace.distributions();
    std::vector<ShiftPair> shifts;
    for (auto &s : m_workspace.shifts(catalogueId, true)) {
        const auto present = [&](const std::string &name) {
            return std::any_of(distributions.begin(), distributions.end(),
                               [&](const DistributionInfo &d) { return d.name == name; });
        };
        if (present(s.source) && present(s.target))
            shifts.push_back(std::move(s));
    }
    const std::int64_t total = std::int64_t(distributions.size() + shifts.size());
    std::int64_t done = 0;
    std::vector<AuditReport> reports;
    for (const auto &d : distributions) {
        reportProgress(progress, done++, total, "Auditing " + d.name);
        reports.push_back(auditDistribution(d.name));
    }
    for (const auto &s : shifts) {
        reportProgress(progress, done++, total, "Auditing " + shiftScopeName(s.source, s.target));
        reports.push_back(auditShift(s));
    }
    reportProgress(progress, done, total, "Audit done");
    return reports;
}

} // namespace shiftscope
