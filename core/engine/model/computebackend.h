#pragma once

#include "engine/model/engineoptions.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>
#include <vector>

namespace shiftscope {

//! Prepares libtorch to compute as `options` ask (thread count, OpenBLAS kernels, see the .cpp); loadCausalLM()
//! calls it. Returns notes worth showing the user, such as a change of BLAS kernels; empty when there is nothing
//! to say.
std::vector<std::string> prepareComputeBackend(const EngineOptions &options);

//! The device for `device`; throws InputError when CUDA is asked for and libtorch has none.
c10::Device computeDevice(ComputeDevice device);
c10::ScalarType computeScalarType(ComputeDtype dtype);

//! The kernel set OpenBLAS runs ("SkylakeX", "Haswell", ...), or empty when libtorch does not use OpenBLAS.
std::string openBlasCore();

} // namespace shiftscope
