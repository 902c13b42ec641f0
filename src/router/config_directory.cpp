#include "router/config_directory.hpp"

#include <system_error>
#include <vector>

#include "router/daemon_text.hpp"
#include "util/atomic_file.hpp"

namespace peerapi::router {

namespace fs = std::filesystem;

namespace {}  // namespace

Result<FileSet> ConfigDirectory::read(std::string_view top_level_name) const {
  FileSet files;
  if (!top_level_name.empty()) {
    const fs::path top = dir_ / top_level_name;
    std::error_code ec;
    if (fs::is_regular_file(top, ec)) {
      auto text = read_text_file(top);
      if (!text)
        return std::unexpected(text.error());
      files.emplace(std::string(top_level_name), std::move(*text));
    }
  }
  const fs::path managed = dir_ / "peerapi";
  std::error_code ec;
  if (!fs::is_directory(managed, ec))
    return files;
  for (auto it = fs::recursive_directory_iterator(managed, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec))
      continue;
    const std::string name = it->path().lexically_relative(dir_).generic_string();
    const std::string file_name = it->path().filename().string();
    if (file_name.starts_with('.') && file_name.ends_with(".tmp"))
      continue;  // a temporary file of an interrupted atomic write
    auto text = read_text_file(it->path());
    if (!text)
      return std::unexpected(text.error());
    files.emplace(name, std::move(*text));
  }
  if (ec)
    return fail(ErrorCode::io_error, managed.string(), ec.message());
  return files;
}

Result<void> ConfigDirectory::replace(const FileSet& current, const FileSet& files) const {
  std::vector<util::FileContent> changed;
  for (const auto& [name, text] : files) {
    const auto found = current.find(name);
    if (found != current.end() && found->second == text)
      continue;
    const fs::path path = dir_ / name;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
      return fail(ErrorCode::io_error, path.parent_path().string(), ec.message());
    changed.push_back(util::FileContent{.path = path, .content = text});
  }
  if (auto written = util::write_files_atomically(changed); !written)
    return std::unexpected(written.error());
  for (const auto& [name, text] : current) {
    if (files.contains(name))
      continue;
    std::error_code ec;
    fs::remove(dir_ / name, ec);
    if (ec)
      return fail(ErrorCode::io_error, (dir_ / name).string(), ec.message());
  }
  return {};
}

FileSet to_file_set(const render::Rendering& rendering) {
  FileSet files;
  for (const auto& file : rendering.files)
    files.emplace(file.name, file.text);
  return files;
}

std::string top_level_name(const render::Rendering& rendering) {
  for (const auto& file : rendering.files) {
    if (file.top_level)
      return file.name;
  }
  return {};
}

}  // namespace peerapi::router
