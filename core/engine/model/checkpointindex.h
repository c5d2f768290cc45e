#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace shiftscope {

//! Reads a sharded checkpoint's model.safetensors.index.json: fills `weightMap` (tensor name -> shard file name)
//! and returns the shard file names in the order they first appear. Each shard must be a plain file name in the
//! folder. Throws InputError naming the file and the tensor. Plain C++ (no torch), so that it can be fuzzed.
std::vector<std::string> readCheckpointIndex(const std::filesystem::path &file,
                                             std::map<std::string, std::string> &weightMap);

} // namespace shiftscope
