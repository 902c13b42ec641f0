// Whole-file replacement that a crash never leaves half-written (DESIGN.md habits: generated
// files are written to a temporary file and renamed into place).
#pragma once

#include <filesystem>
#include <span>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::util {

/// Writes `content` to `path` through a temporary file in the same directory, fsync, rename and
/// a best-effort directory fsync. io_error at `path` on failure; the previous file is then
/// untouched and the temporary file removed.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content);

struct FileContent {
  std::filesystem::path path;
  std::string_view content;
};

/// write_file_atomically for many files with one flush: every temporary file is written, the
/// file system is synced once (syncfs), then each is renamed into place and each folder
/// synced. A thousand router files cost one sync instead of a thousand. On failure before the
/// renames nothing is replaced (temporary files removed); a failing rename leaves the files
/// before it replaced (each one whole), and the error names the file.
Result<void> write_files_atomically(std::span<const FileContent> files);

}  // namespace peerapi::util
