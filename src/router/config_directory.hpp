// The folder a driver writes rendered files into (`[router] config_dir`), with what a safe apply
// needs: compare with what is there, remember it, write the new files, put the old ones back.
// Changed files are written as a set (util::write_files_atomically: every file whole, one sync,
// then the renames); a crash between two renames leaves a mix that the next apply (which always
// writes the full set) repairs, and the daemon reads none of it until the driver reloads it.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "model/error.hpp"
#include "render/renderer.hpp"

namespace peerapi::router {

/// The managed files of a folder by relative name ('/' separated): the top-level file of the
/// rendering and everything under peerapi/.
using FileSet = std::map<std::string, std::string, std::less<>>;

class ConfigDirectory {
 public:
  explicit ConfigDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}
  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }

  /// What is there now: every regular file under peerapi/, plus `top_level_name` when it
  /// exists. io_error at the path on a read failure.
  [[nodiscard]] Result<FileSet> read(std::string_view top_level_name) const;

  /// Makes the folder hold exactly `files` among the managed files: writes those that differ,
  /// removes managed files `files` does not have. Creates folders as needed.
  Result<void> replace(const FileSet& current, const FileSet& files) const;

 private:
  std::filesystem::path dir_;
};

/// The rendering as a FileSet.
FileSet to_file_set(const render::Rendering& rendering);
/// The name of the rendering's top-level file ("bird.conf"); empty when it has none.
std::string top_level_name(const render::Rendering& rendering);

}  // namespace peerapi::router
