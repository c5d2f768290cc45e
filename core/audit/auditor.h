#pragma once

#include "audit/auditreport.h"
#include "audit/duplicatefinder.h"
#include "audit/lengthbias.h"
#include "audit/shortcutdetector.h"
#include "audit/structurechecks.h"
#include "util/progress.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope {

class Workspace;

struct AuditOptions {
    DuplicateOptions duplicates;
    ShortcutOptions shortcuts;
    StructureOptions structure;
    int maxExamplesPerFinding = 100; //!< evidence kept per finding; Finding::exampleCount has the full count
};

//! Runs the data-quality checks over a workspace's distributions and shifts. What the cross-distribution checks
//! need (duplicate fingerprints, length figures) is kept per distribution, so auditing every shift after every
//! distribution reads each distribution once.
class Auditor {
public:
    explicit Auditor(Workspace &workspace, AuditOptions options = {});
    ~Auditor();

    //! Every per-distribution check; throws InputError when the distribution is not in the workspace.
    AuditReport auditDistribution(const std::string &name);
    //! The cross-distribution checks of a shift: duplicates between source and target, and a length bias whose
    //! direction flips. Throws InputError when either distribution is missing.
    AuditReport auditShift(const ShiftPair &shift);
    //! Every distribution (by name), then every unique shift of the catalogue whose source and target are both
    //! in the workspace, in catalogue order.
    std::vector<AuditReport> auditAll(std::int64_t catalogueId, const ProgressCallback &progress = {});

    //! Seconds spent per check so far, in order of first use; "load" is reading examples from the workspace.
    const std::vector<std::pair<std::string, double>> &timings() const { return m_timings; }

private:
    struct Profile;
    struct Loaded;

    Loaded load(const std::string &name);
    const Profile &profile(const std::string &name, const Loaded *loaded);
    void addTime(const std::string &check, double seconds);

    Workspace &m_workspace;
    AuditOptions m_options;
    DuplicateFinder m_duplicates;
    std::map<std::string, std::unique_ptr<Profile>> m_profiles;
    std::vector<std::pair<std::string, double>> m_timings;
};

} // namespace shiftscope
