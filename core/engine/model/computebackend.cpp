#include "engine/model/computebackend.h"

#include "util/errors.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>

namespace shiftscope {

namespace {

template <typename Function>
Function *symbol(const char *name)
{
    void *address = ::dlsym(RTLD_DEFAULT, name);
    Function *function = nullptr;
    std::memcpy(&function, &address, sizeof function); // object to function pointer without a pedantic cast
    return function;
}

//! Kernel sets older than the CPU can run: OpenBLAS falls back to them when it does not recognise a CPU.
bool isFallbackCore(const std::string &core)
{
    for (const char *old : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine",
                            "Northwood", "Banias", "Unknown"})
        if (core == old)
            return true;
    return false;
}

//! Debian's OpenBLAS 0.3.21 does not recognise some newer CPUs (a Sapphire Rapids VM reads as "Prescott") and
//! then runs its SSE3 kernels, about six times slower than its AVX-512 ones. When the user has not chosen a core
//! with OPENBLAS_CORETYPE, pick the best one the CPU supports and let OpenBLAS select its kernels again.
std::string fixOpenBlasCore()
{
    if (std::getenv("OPENBLAS_CORETYPE"))
        return {};
    auto *corename = symbol<char *()>("openblas_get_corename");
    auto *quit = symbol<void()>("gotoblas_dynamic_quit");
    auto *init = symbol<void()>("gotoblas_dynamic_init");
    if (!corename || !quit || !init)
        return {};
    const std::string before = corename();
    const char *better = nullptr;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq"))
        better = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        better = "Haswell";
    if (!better || !isFallbackCore(before))
        return {};
    ::setenv("OPENBLAS_CORETYPE", better, 0);
    quit();
    init();
    return "OpenBLAS did not recognise this CPU and chose its " + before + " kernels; switched to " + corename()
         + " (set OPENBLAS_CORETYPE to choose yourself)";
}

} // namespace

std::vector<std::string> prepareComputeBackend(const EngineOptions &options)
{
    static std::once_flag once;
    static std::string blasNote;
    std::call_once(once, [] { blasNote = fixOpenBlasCore(); });
    if (options.threads > 0)
        at::set_num_threads(options.threads);
    std::vector<std::string> notes;
    if (!blasNote.empty())
        notes.push_back(blasNote);
    return notes;
}

c10::Device computeDevice(ComputeDevice device)
{
    if (device == ComputeDevice::Cpu)
        return at::kCPU;
    if (!at::hasCUDA())
        throw InputError(InputProblem{{},
                                      "--device cuda",
                                      "this libtorch has no CUDA support, or no GPU is visible",
                                      "use --device cpu, or a libtorch built with CUDA"});
    return {at::kCUDA, 0};
}

c10::ScalarType computeScalarType(ComputeDtype dtype)
{
    return dtype == ComputeDtype::BFloat16 ? at::kBFloat16 : at::kFloat;
}

std::string openBlasCore()
{
    auto *corename = symbol<char *()>("openblas_get_corename");
    return corename ? corename() : "";
}

} // namespace shiftscope
