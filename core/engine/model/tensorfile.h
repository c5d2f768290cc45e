#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

//! Writes tensors as a float32 safetensors file (what interventions learn: adapters, heads, directions,
//! activations). The file is written beside its final name and renamed into place, so a crash never leaves a
//! half-written file under that name. Throws std::runtime_error when the file cannot be written.
void saveTensors(const std::filesystem::path &path, const NamedTensors &tensors);

//! Every tensor of a safetensors file, as float32 tensors in memory of their own (not views of the file).
//! Throws InputError naming the file when it is missing or malformed.
std::map<std::string, at::Tensor> loadTensors(const std::filesystem::path &path);

//! The tensor `name` of `tensors`; throws InputError naming `file` and the tensor when it is absent.
at::Tensor requireTensor(const std::map<std::string, at::Tensor> &tensors, const std::string &name,
                         const std::filesystem::path &file);

} // namespace shiftscope
