// Helpers shared by test suites: temporary directories and file access.
#pragma once

#include <filesystem>
#include <string>

namespace peerapi::testing {

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);
/// The repository root and the shared/ directory beside it.
std::filesystem::path source_dir();
std::filesystem::path shared_dir();

}  // namespace peerapi::testing
