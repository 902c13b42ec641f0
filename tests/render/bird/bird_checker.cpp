#include "render/bird/bird_checker.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "support/test_support.hpp"

extern char** environ;

namespace peerapi::testing::bird_checker {

std::optional<std::filesystem::path> find_bird() {
  std::vector<std::filesystem::path> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::string all(path);
    std::size_t start = 0;
    while (start <= all.size()) {
      const std::size_t end = std::min(all.find(':', start), all.size());
      if (end > start)
        dirs.emplace_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.emplace_back("/usr/sbin");
  dirs.emplace_back("/usr/local/sbin");
  for (const auto& dir : dirs) {
    const auto candidate = dir / "bird";
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

CheckResult check(const std::filesystem::path& bird, const std::filesystem::path& config,
                  const std::filesystem::path& cwd) {
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::string program = bird.string();
  std::string parse_only = "-p";
  std::string config_flag = "-c";
  std::string config_path = config.string();
  std::array<char*, 5> argv{program.data(), parse_only.data(), config_flag.data(),
                            config_path.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  CheckResult result;
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    result.output = "posix_spawn " + program + " failed: " + std::to_string(spawned);
    return result;
  }
  std::array<char, 4096> buffer{};
  while (true) {
    const ssize_t n = ::read(pipe_fds[0], buffer.data(), buffer.size());
    if (n <= 0)
      break;
    result.output.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::filesystem::path write_rendering(const render::Rendering& rendering,
                                      const std::filesystem::path& dir) {
  std::filesystem::path top;
  for (const auto& file : rendering.files) {
    write_file(dir / file.name, file.text);
    if (file.top_level)
      top = dir / file.name;
  }
  if (top.empty())
    throw std::runtime_error("the rendering has no top-level file");
  return top;
}

}  // namespace peerapi::testing::bird_checker
