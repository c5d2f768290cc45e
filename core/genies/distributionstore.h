#pragma once

#include "genies/distributionreader.h"
#include "workspace/workspace.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

namespace shiftscope {

//! The distributions part of a workspace, written: each validated distribution replaces an older version of
//! itself, its examples and responses in file order. Callers hold the transaction.
class DistributionStore {
public:
    explicit DistributionStore(Workspace &workspace);

    enum class Outcome { Added, Updated, Unchanged };
    //! What a write stored.
    struct Written {
        std::int64_t examples = 0;
        std::int64_t responses = 0;
    };

    //! Stores `name` from its parsed split files; Unchanged (and nothing written) when the workspace holds these
    //! exact files already.
    Outcome write(const std::string &name, const std::filesystem::path &origin, const SplitFile &train,
                  const SplitFile &test, Written &written);
    //! Every stored distribution's name -> (train file hash, test file hash).
    std::map<std::string, std::pair<std::string, std::string>> fileHashes();

private:
    void writeExamples(std::int64_t distributionId, const SplitFile &split, Written &written);

    Database &m_db;
    Statement m_find;
    Statement m_remove;
    Statement m_insertDistribution;
    Statement m_insertExample;
    Statement m_insertResponse;
};

} // namespace shiftscope
