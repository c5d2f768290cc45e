#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace shiftscope {

//! A temporary name beside `path` that no other writer, in this process or another, uses at the same time:
//! "<path>.partial-<pid>-<n>". Writers fill it and rename it over `path`, so a reader sees the old file or the
//! whole new one, and two writers of the same file never write into each other's temporary.
std::filesystem::path uniquePartialPath(const std::filesystem::path &path);

//! Checks that `path` can be an output file before anything is computed for it: an open workspace's files
//! (ProtectedFiles), an empty name, a folder or a device are refused; the parent folder is created. InputError
//! naming the path otherwise.
void prepareOutputFile(const std::filesystem::path &path);

//! Writes `bytes` to `path` through uniquePartialPath() and a rename, after prepareOutputFile(). Throws InputError
//! naming the file when the disk is full or the folder is not writable; the temporary is removed then.
void writeFileAtomically(const std::filesystem::path &path, std::string_view bytes);
//! The same, for content that `write` streams into the temporary file.
void writeFileAtomically(const std::filesystem::path &path, const std::function<void(std::ostream &)> &write);

} // namespace shiftscope
