// Whole-file replacement that a crash never leaves half-written (DESIGN.md habits: generated
// files are written to a temporary file and renamed into place).
#pragma once

#include <filesystem>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::util {

/// Writes `content` to `path` through a temporary file in the same directory, fsync, rename and
/// a best-effort directory fsync. io_error at `path` on failure; the previous file is then
/// untouched and the temporary file removed.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace peerapi::util
