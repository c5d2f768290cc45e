#pragma once

#include "util/progress.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace shiftscope {

//! The demo model: a small GPT-NeoX-architecture causal language model with a byte-level BPE tokenizer, both
//! trained by ShiftScope on text it generates (the demo suite's training prompts with their preferred responses),
//! saved as an ordinary Hugging Face folder (config.json, model.safetensors, tokenizer.json) that loads through
//! the same path as any downloaded model. Deterministic for a seed on a given machine and thread count.
struct DemoModelOptions {
    std::uint64_t seed = 7;
    int vocabSize = 1024;
    int hidden = 128;
    int layers = 4;
    int heads = 4;
    int intermediate = 512;
    int contextLength = 128; //!< tokens per training sequence
    int batch = 16;          //!< sequences per step
    int steps = 400;
    double learningRate = 3e-3;
};

//! Builds the demo model in `out` (written beside it and renamed into place, so `out` is either complete or
//! absent). Progress reports tokenizer training, then the pretraining steps with the loss. Returns a summary line.
std::string buildDemoModel(const std::filesystem::path &out, const DemoModelOptions &options = {},
                           const ProgressCallback &progress = {});

//! The demo model in the user's data folder (userDataDir()/demo-model-<version>-seed<N>), built on first use.
std::filesystem::path cachedDemoModel(const ProgressCallback &progress = {}, const DemoModelOptions &options = {});

} // namespace shiftscope
