#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

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

}  // namespace peerapi::util
