#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace peerapi::util {

namespace {

std::unexpected<Error> io_failure(const std::filesystem::path& path, std::string_view what) {
  return fail(ErrorCode::io_error, path.string(), std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_failure(path, "cannot create " + temp.filename().string());
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      auto error = io_failure(path, "write failed");
      ::close(fd);
      ::unlink(temp.c_str());
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto error = io_failure(path, "fsync failed");
    ::close(fd);
    ::unlink(temp.c_str());
    return error;
  }
  if (::close(fd) != 0) {
    auto error = io_failure(path, "close failed");
    ::unlink(temp.c_str());
    return error;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    auto error = io_failure(path, "rename failed");
    ::unlink(temp.c_str());
    return error;
  }
  const std::filesystem::path parent = path.parent_path().empty() ? "." : path.parent_path();
  const int dir_fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);  // best effort: the rename is done either way
    ::close(dir_fd);
  }
  return {};
}

Result<void> write_files_atomically(std::span<const FileContent> files) {
  std::vector<std::filesystem::path> temps;
  temps.reserve(files.size());
  const auto remove_temps = [&temps] {
    for (const auto& temp : temps)
      ::unlink(temp.c_str());
  };
  int sync_fd = -1;
  for (const FileContent& file : files) {
    const std::filesystem::path temp =
        file.path.parent_path() / ("." + file.path.filename().string() + ".tmp");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      auto error = io_failure(file.path, "cannot create " + temp.filename().string());
      remove_temps();
      if (sync_fd >= 0)
        ::close(sync_fd);
      return error;
    }
    temps.push_back(temp);
    std::size_t done = 0;
    while (done < file.content.size()) {
      const ssize_t n = ::write(fd, file.content.data() + done, file.content.size() - done);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        auto error = io_failure(file.path, "write failed");
        ::close(fd);
        remove_temps();
        if (sync_fd >= 0)
          ::close(sync_fd);
        return error;
      }
      done += static_cast<std::size_t>(n);
    }
    if (sync_fd < 0) {
      sync_fd = fd;  // kept open for the one syncfs below
    } else if (::close(fd) != 0) {
      auto error = io_failure(file.path, "close failed");
      remove_temps();
      ::close(sync_fd);
      return error;
    }
  }
  if (sync_fd >= 0) {
    const int synced = ::syncfs(sync_fd);
    ::close(sync_fd);
    if (synced != 0) {
      auto error = io_failure(files.front().path, "syncfs failed");
      remove_temps();
      return error;
    }
  }
  std::vector<std::filesystem::path> parents;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (::rename(temps[i].c_str(), files[i].path.c_str()) != 0) {
      auto error = io_failure(files[i].path, "rename failed");
      for (std::size_t j = i; j < temps.size(); ++j)
        ::unlink(temps[j].c_str());
      return error;
    }
    const std::filesystem::path parent =
        files[i].path.parent_path().empty() ? "." : files[i].path.parent_path();
    if (std::find(parents.begin(), parents.end(), parent) == parents.end())
      parents.push_back(parent);
  }
  for (const auto& parent : parents) {
    const int dir_fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      (void)::fsync(dir_fd);  // best effort: the renames are done either way
      ::close(dir_fd);
    }
  }
  return {};
}

}  // namespace peerapi::util
