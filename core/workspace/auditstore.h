#pragma once

#include "data/types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

class Workspace;

enum class ReviewStatus { Reviewed, Dismissed };

std::string_view reviewStatusName(ReviewStatus status);
std::optional<ReviewStatus> reviewStatusFromName(std::string_view name);

//! Someone's verdict on an audit finding, stored under the finding's stable key.
struct FindingReview {
    std::string findingKey;
    ReviewStatus status = ReviewStatus::Reviewed;
    std::string note;
    std::string figureText; //!< the figure when it was reviewed, to tell when it has changed since
    std::string author;
    std::string reviewedAt; //!< ISO 8601, UTC; filled in when empty
};

//! Which response an annotator judged better, in the dataset's terms.
enum class RelabelChoice { Preferred, Dispreferred, Skip };

std::string_view relabelChoiceName(RelabelChoice choice);
std::optional<RelabelChoice> relabelChoiceFromName(std::string_view name);

//! One blind judgement of a pair: the annotator saw the two responses in `shown order` without labels. Keyed by
//! content like annotations; one judgement per pair and annotator (a new one replaces the old).
struct RelabelJudgement {
    std::int64_t id = 0;
    std::string distribution;
    Split split = Split::Test;
    std::string exampleHash;
    int dispreferredPosition = 0; //!< the pair's dispreferred response
    std::string annotator;
    bool preferredShownFirst = true;
    RelabelChoice choice = RelabelChoice::Skip;
    std::string createdAt; //!< ISO 8601, UTC; filled in when empty
};

//! Review state of audit findings and blind relabel judgements in a workspace (tables of auditMigrationSql()).
class AuditStore {
public:
    explicit AuditStore(Workspace &workspace);

    //! Stores or replaces the review of a finding.
    void setReview(const FindingReview &review);
    //! Forgets a review, so the finding is open again; false when there was none.
    bool clearReview(const std::string &findingKey);
    std::optional<FindingReview> review(const std::string &findingKey);
    std::vector<FindingReview> reviews();

    //! Stores a judgement, replacing the same annotator's earlier one on the pair; returns its id.
    std::int64_t saveJudgement(const RelabelJudgement &judgement);
    //! Judgements in the order they were made; all distributions when `distribution` is empty.
    std::vector<RelabelJudgement> judgements(const std::string &distribution = {});
    //! The annotator's judgement of a pair, if any.
    std::optional<RelabelJudgement> judgement(const std::string &distribution, Split split,
                                              const std::string &exampleHash, int dispreferredPosition,
                                              const std::string &annotator);

private:
    Workspace &m_workspace;
};

} // namespace shiftscope
