#pragma once

#include <filesystem>

namespace shiftscope {

//! The number type the engine computes in. Weights stored in another type are converted once at load time.
enum class ComputeDtype { Float32, BFloat16 };

//! Where the engine computes. Cuda needs a libtorch built with CUDA; asking for it otherwise is an input error.
enum class ComputeDevice { Cpu, Cuda };

//! How a model is loaded and run.
struct EngineOptions {
    ComputeDtype dtype = ComputeDtype::Float32;
    ComputeDevice device = ComputeDevice::Cpu;
    int threads = 0;               //!< CPU threads for tensor operations; 0 keeps libtorch's choice
    std::filesystem::path adapter; //!< a PEFT LoRA adapter folder to apply, or empty
    //! Merge the adapter into copies of the adapted weights (faster), or add its update at run time (the base
    //! weights stay memory-mapped; less memory for a large model).
    bool mergeAdapter = true;
};

} // namespace shiftscope
