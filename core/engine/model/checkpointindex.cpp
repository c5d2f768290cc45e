#include "engine/model/checkpointindex.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace fs = std::filesystem;

std::vector<std::string> readCheckpointIndex(const fs::path &file, std::map<std::string, std::string> &weightMap)
{
    const std::string text =
        readInputFile(file, std::uint64_t(256) << 20, "restore the index file that came with the shards");
    checkJsonDepth(text, file);
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error &e) {
        throw InputError(InputProblem{file.string(), "byte " + std::to_string(e.byte), "the index is not valid JSON",
                                      "restore the index file that came with the shards"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{file.string(),
                                      {},
                                      "a number in the file is too large to represent",
                                      "restore the index file that came with the shards"});
    }
    const auto map = json.is_object() ? json.find("weight_map") : json.end();
    if (map == json.end() || !map->is_object())
        throw InputError(InputProblem{file.string(),
                                      {},
                                      "the index has no \"weight_map\" object",
                                      "restore the index file that came with the shards"});
    std::vector<std::string> shards;
    for (const auto &[name, shard] : map->items()) {
        const std::string shardName = shard.is_string() ? shard.get<std::string>() : std::string();
        if (shardName.empty() || fs::path(shardName).has_parent_path())
            throw InputError(InputProblem{file.string(), "tensor '" + name + "'",
                                          "the shard "
                                              + (shard.is_string() ? "\"" + shard.get<std::string>() + "\""
                                                                   : std::string("entry (a ") + shard.type_name() + ")")
                                              + " is not a file name in the folder",
                                          "restore the index file that came with the shards"});
        weightMap[name] = shardName;
        if (std::find(shards.begin(), shards.end(), shardName) == shards.end())
            shards.push_back(shardName);
    }
    return shards;
}

} // namespace shiftscope
