#pragma once

#include <filesystem>
#include <string>

namespace shiftscope {

//! The identity of a model folder's contents, stored as `model_hash` by runs and scores and used to key caches and
//! to decide that a finished run can be reused. A hex SHA-256 over, in order: config.json and tokenizer.json (when
//! present) whole, then every weight file (`*.safetensors` and `model.safetensors.index.json`, by name) with its
//! name, its size and 16 blocks of 64 KiB at evenly spaced offsets, the first holding the safetensors header and
//! the last the file's end. The folder's own path does not count, so a moved or copied model keeps its identity;
//! two checkpoints of one model (same shapes and sizes, other weights) differ, while hashing a 14 GB model reads
//! about 1 MiB per weight file. Throws InputError when config.json cannot be read.
std::string modelIdentity(const std::filesystem::path &modelDir);
//! The identity of a model with a PEFT adapter applied: the model's, its adapter_config.json whole and samples of
//! adapter_model.safetensors. With an empty `adapterDir`, the model's own.
std::string modelIdentity(const std::filesystem::path &modelDir, const std::filesystem::path &adapterDir);

} // namespace shiftscope
