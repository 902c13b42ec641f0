#include "render/openbgpd/bgpd_checker.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <vector>

extern char** environ;

namespace peerapi::testing::openbgpd {

std::filesystem::path bgpd_binary() {
  const std::filesystem::path standard = "/usr/sbin/bgpd";
  if (std::filesystem::exists(standard))
    return standard;
  const char* path = std::getenv("PATH");
  std::string_view rest = path == nullptr ? "" : path;
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::filesystem::path candidate =
        std::filesystem::path(std::string(rest.substr(0, colon))) / "bgpd";
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos)
      break;
    rest.remove_prefix(colon + 1);
  }
  return {};
}

CheckResult check_config(const std::filesystem::path& config,
                         const std::filesystem::path& working_dir) {
  CheckResult result;
  const std::filesystem::path binary = bgpd_binary();
  if (binary.empty()) {
    result.output = "bgpd (OpenBGPD) is not installed; run scripts/install-deps";
    return result;
  }
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    result.output = "pipe2 failed";
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  const std::string binary_text = binary.string();
  const std::string config_text = std::filesystem::absolute(config).string();
  std::vector<char*> argv{const_cast<char*>(binary_text.c_str()), const_cast<char*>("-n"),
                          const_cast<char*>("-f"), const_cast<char*>(config_text.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, binary_text.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    result.output = "posix_spawn " + binary_text + " failed: " + std::to_string(spawned);
    return result;
  }
  std::array<char, 4096> buffer{};
  while (true) {
    const ssize_t got = ::read(pipe_fds[0], buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    result.output.append(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace peerapi::testing::openbgpd
