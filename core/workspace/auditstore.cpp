#include "workspace/auditstore.h"

#include "workspace/workspace.h"

namespace shiftscope {

namespace {

constexpr const char *kReviewColumns = "finding_key, status, note, figure_text, author, reviewed_at";
constexpr const char *kJudgementColumns =
    "id, distribution, split, example_hash, response_position, annotator, shown_order, choice, created_at";

FindingReview readReview(const Statement &st)
{
    return {st.text(0), reviewStatusFromName(st.text(1)).value_or(ReviewStatus::Reviewed),
            st.text(2), st.text(3),
            st.text(4), st.text(5)};
}

RelabelJudgement readJudgement(const Statement &st)
{
    RelabelJudgement j;
    j.id = st.int64(0);
    j.distribution = st.text(1);
    j.split = splitFromName(st.text(2)).value_or(Split::Test);
    j.exampleHash = st.text(3);
    j.dispreferredPosition = st.integer(4);
    j.annotator = st.text(5);
    j.preferredShownFirst = st.text(6) == "preferred_first";
    j.choice = relabelChoiceFromName(st.text(7)).value_or(RelabelChoice::Skip);
    j.createdAt = st.text(8);
    return j;
}

} // namespace

std::string_view reviewStatusName(ReviewStatus status)
{
    return status == ReviewStatus::Dismissed ? "dismissed" : "reviewed";
}

std::optional<ReviewStatus> reviewStatusFromName(std::string_view name)
{
    if (name == "reviewed")
        return ReviewStatus::Reviewed;
    if (name == "dismissed")
        return ReviewStatus::Dismissed;
    return std::nullopt;
}

std::string_view relabelChoiceName(RelabelChoice choice)
{
    switch (choice) {
    case RelabelChoice::Preferred: return "preferred";
    case RelabelChoice::Dispreferred: return "dispreferred";
    case RelabelChoice::Skip: return "skip";
    }
    return "skip";
}

std::optional<RelabelChoice> relabelChoiceFromName(std::string_view name)
{
    for (RelabelChoice c : {RelabelChoice::Preferred, RelabelChoice::Dispreferred, RelabelChoice::Skip})
        if (relabelChoiceName(c) == name)
            return c;
    return std::nullopt;
}

AuditStore::AuditStore(Workspace &workspace) : m_workspace(workspace) {}

void AuditStore::setReview(const FindingReview &r)
{
    Statement st(m_workspace.db(),
                 "INSERT INTO finding_reviews(finding_key, status, note, figure_text, author, reviewed_at)"
                 " VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(finding_key) DO UPDATE SET status = excluded.status,"
                 " note = excluded.note, figure_text = excluded.figure_text, author = excluded.author,"
                 " reviewed_at = excluded.reviewed_at");
    st.bind(1, r.findingKey).bind(2, reviewStatusName(r.status)).bind(3, r.note).bind(4, r.figureText);
    st.bind(5, r.author);
    st.bind(6, r.reviewedAt.empty() ? utcNow() : r.reviewedAt).run();
}

bool AuditStore::clearReview(const std::string &findingKey)
{
    Statement st(m_workspace.db(), "DELETE FROM finding_reviews WHERE finding_key = ?");
    st.bind(1, findingKey).run();
    return m_workspace.db().changes() > 0;
}

std::optional<FindingReview> AuditStore::review(const std::string &findingKey)
{
    Statement st(m_workspace.db(),
                 std::string("SELECT ") + kReviewColumns + " FROM finding_reviews WHERE finding_key = ?");
    st.bind(1, findingKey);
    if (!st.step())
        return std::nullopt;
    return readReview(st);
}

std::vector<FindingReview> AuditStore::reviews()
{
    Statement st(m_workspace.db(),
                 std::string("SELECT ") + kReviewColumns + " FROM finding_reviews ORDER BY finding_key");
    std::vector<FindingReview> out;
    while (st.step())
        out.push_back(readReview(st));
    return out;
}

std::int64_t AuditStore::saveJudgement(const RelabelJudgement &j)
{
    Statement st(m_workspace.db(),
                 "INSERT INTO relabel_judgements(distribution, split, example_hash, response_position, annotator,"
                 " shown_order, choice, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
                 " ON CONFLICT(distribution, split, example_hash, response_position, annotator) DO UPDATE SET"
                 " shown_order = excluded.shown_order, choice = excluded.choice, created_at = excluded.created_at");
    st.bind(1, j.distribution).bind(2, splitName(j.split)).bind(3, j.exampleHash).bind(4, j.dispreferredPosition);
    st.bind(5, j.annotator).bind(6, j.preferredShownFirst ? "preferred_first" : "dispreferred_first");
    st.bind(7, relabelChoiceName(j.choice)).bind(8, j.createdAt.empty() ? utcNow() : j.createdAt).run();
    const auto saved = judgement(j.distribution, j.split, j.exampleHash, j.dispreferredPosition, j.annotator);
    return saved ? saved->id : 0;
}

std::vector<RelabelJudgement> AuditStore::judgements(const std::string &distribution)
{
    Statement st(m_workspace.db(), std::string("SELECT ") + kJudgementColumns
                                       + " FROM relabel_judgements WHERE ?1 = '' OR distribution = ?1"
                                         " ORDER BY created_at, id");
    st.bind(1, distribution);
    std::vector<RelabelJudgement> out;
    while (st.step())
        out.push_back(readJudgement(st));
    return out;
}

std::optional<RelabelJudgement> AuditStore::judgement(const std::string &distribution, Split split,
                                                      const std::string &exampleHash, int dispreferredPosition,
                                                      const std::string &annotator)
{
    Statement st(m_workspace.db(), std::string("SELECT ") + kJudgementColumns
                                       + " FROM relabel_judgements WHERE distribution = ? AND split = ?"
                                         " AND example_hash = ? AND response_position = ? AND annotator = ?");
    st.bind(1, distribution).bind(2, splitName(split)).bind(3, exampleHash).bind(4, dispreferredPosition);
    st.bind(5, annotator);
    if (!st.step())
        return std::nullopt;
    return readJudgement(st);
}

} // namespace shiftscope
