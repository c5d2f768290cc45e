#pragma once

// Shared by the fuzz targets: each defines LLVMFuzzerTestOneInput(), the entry point libFuzzer calls with every
// input it makes up. Built with clang and -DSHIFTSCOPE_FUZZ=ON they are libFuzzer programs; otherwise each is
// linked with replaymain.cpp and runs its committed corpus once, as a CTest regression test.
//
// The contract every loader must keep: any input is either loaded or refused with an InputError. Anything else
// (a crash, a hang, another exception escaping) is a bug, and the input that found it is kept under regressions/.
#include "util/errors.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace shiftscope::fuzz {

inline std::string_view text(const std::uint8_t *data, std::size_t size)
{
    return {reinterpret_cast<const char *>(data), size};
}

//! A private folder for loaders that read files, removed when the process ends.
inline const std::filesystem::path &scratchDir()
{
    static const std::filesystem::path dir = [] {
        auto path = std::filesystem::temp_directory_path() / ("shiftscope-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path);
        return path;
    }();
    static const struct Cleanup {
        ~Cleanup()
        {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } cleanup;
    return dir;
}

inline std::filesystem::path writeScratch(const std::string &name, std::string_view bytes)
{
    const auto path = scratchDir() / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

//! Runs `load`; an InputError is the expected refusal, anything else escapes and is reported as a finding.
template <typename Load>
int expectLoadedOrRefused(Load &&load)
{
    try {
        load();
    } catch (const InputError &) {
    }
    return 0;
}

} // namespace shiftscope::fuzz
