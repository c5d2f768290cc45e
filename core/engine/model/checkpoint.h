#pragma once

#include "engine/model/safetensors.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! The weights of a Hugging Face model folder: model.safetensors, or the shards named by
//! model.safetensors.index.json. Every file is checked and mapped when the folder is opened. A folder holding only
//! PyTorch pickles (pytorch_model.bin) is refused, with the reason and how to convert it.
class Checkpoint {
public:
    static Checkpoint open(const std::filesystem::path &modelDir);

    const std::filesystem::path &dir() const { return m_dir; }
    const std::vector<SafetensorsFile> &files() const { return m_files; }
    //! Every tensor name, sorted.
    std::vector<std::string> names() const;
    const SafetensorsEntry *find(const std::string &name) const;
    //! The named tensor as stored (CPU, the file's dtype, a view of the mapping when aligned).
    at::Tensor tensor(const std::string &name) const;
    //! True when `data` lies inside one of the mapped files.
    bool maps(const void *data) const;

private:
    struct Location {
        std::size_t file = 0;
        std::size_t entry = 0; //!< index into that file's entries()
    };

    void add(SafetensorsFile file);

    std::filesystem::path m_dir;
    std::vector<SafetensorsFile> m_files;
    std::map<std::string, Location, std::less<>> m_names;
};

} // namespace shiftscope
