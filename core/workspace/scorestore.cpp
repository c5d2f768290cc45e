#include "workspace/scorestore.h"

#include "workspace/workspace.h"

#include <stdexcept>

namespace shiftscope {

void ScoreStore::replace(const ScoreKey &key, const std::vector<PairRef> &pairs,
                         const std::vector<double> &probabilities)
{
    if (pairs.size() != probabilities.size())
        throw std::invalid_argument("ScoreStore::replace: " + std::to_string(probabilities.size())
                                    + " probabilities for " + std::to_string(pairs.size()) + " pairs");
    Transaction transaction(m_ws.db());
    Statement clear(m_ws.db(),
                    "DELETE FROM scores WHERE model_hash = ? AND distribution = ? AND split = ? AND scoring = ?");
    clear.bind(1, key.modelHash).bind(2, key.distribution).bind(3, key.split).bind(4, key.scoring).run();
    Statement insert(m_ws.db(), "INSERT INTO scores(model_path, model_hash, distribution, split, scoring, pair_index,"
                                " example_position, dispreferred_position, probability, created_at)"
                                " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const std::string now = utcNow();
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        insert.bind(1, key.modelPath)
            .bind(2, key.modelHash)
            .bind(3, key.distribution)
            .bind(4, key.split)
            .bind(5, key.scoring);
        insert.bind(6, std::int64_t(k))
            .bind(7, pairs[k].examplePosition)
            .bind(8, pairs[k].dispreferredIndex)
            .bind(9, probabilities[k])
            .bind(10, now)
            .run();
    }
    transaction.commit();
}

std::vector<double> ScoreStore::probabilities(const ScoreKey &key)
{
    Statement st(m_ws.db(), "SELECT probability FROM scores WHERE model_hash = ? AND distribution = ? AND split = ?"
                            " AND scoring = ? ORDER BY pair_index");
    st.bind(1, key.modelHash).bind(2, key.distribution).bind(3, key.split).bind(4, key.scoring);
    std::vector<double> out;
    while (st.step())
        out.push_back(st.real(0));
    return out;
}

} // namespace shiftscope
