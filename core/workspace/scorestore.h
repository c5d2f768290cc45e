#pragma once

#include "data/types.h"

#include <string>
#include <vector>

namespace shiftscope {

class Workspace;

//! Which scores of a model: one distribution's split, scored one way, by the model of `modelHash` (modelIdentity()).
struct ScoreKey {
    std::string modelPath; //!< absolute folder, for display; the hash identifies the model
    std::string modelHash;
    std::string distribution;
    std::string split;   //!< "train" or "test"
    std::string scoring; //!< "genies" or "mean"
};

//! The `scores` table: P(preferred) per pair written by `shiftscope-cli score`.
class ScoreStore {
public:
    explicit ScoreStore(Workspace &workspace) : m_ws(workspace) {}

    //! Replaces the scores of `key` with `probabilities` (one per pair of `pairs`, in GENIES all-pairs order), in
    //! one transaction: scoring a model again replaces its rows, and a failure leaves the old ones.
    void replace(const ScoreKey &key, const std::vector<PairRef> &pairs, const std::vector<double> &probabilities);
    //! The probabilities of `key`, in pair order; empty when it was never scored.
    std::vector<double> probabilities(const ScoreKey &key);

private:
    Workspace &m_ws;
};

} // namespace shiftscope
