#include "router/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace peerapi::router {

namespace {

/// argv[0] resolved against PATH in the parent: the child then only calls async-signal-safe
/// functions between fork and exec.
std::string resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return program;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty())
      continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return {};
}

int exit_code_of(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

CommandResult ProcessRunner::run(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout) {
  CommandResult result;
  if (argv.empty()) {
    result.start_error = "no program given";
    return result;
  }
  const std::string program = resolve_program(argv[0]);
  if (program.empty()) {
    result.start_error = argv[0] + ": not found in PATH";
    return result;
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  int output_pipe[2];
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    result.start_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  int exec_error_pipe[2];  // carries exec's errno; closed by a successful exec
  if (::pipe2(exec_error_pipe, O_CLOEXEC) != 0) {
    result.start_error = std::string("pipe: ") + std::strerror(errno);
    ::close(output_pipe[0]);
    ::close(output_pipe[1]);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.start_error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {output_pipe[0], output_pipe[1], exec_error_pipe[0], exec_error_pipe[1]})
      ::close(fd);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null_input = ::open("/dev/null", O_RDONLY);
    if (null_input >= 0)
      ::dup2(null_input, STDIN_FILENO);
    ::dup2(output_pipe[1], STDOUT_FILENO);
    ::dup2(output_pipe[1], STDERR_FILENO);
    // The error pipe stays open (close-on-exec) so a failed exec can report its errno.
    const int error_fd = ::dup2(exec_error_pipe[1], 3) == 3 ? 3 : -1;
    if (error_fd == 3)
      ::fcntl(3, F_SETFD, FD_CLOEXEC);
    ::close_range(4, ~0U, 0);
    ::execv(program.c_str(), args.data());
    const int error = errno;
    if (error_fd == 3)
      (void)!::write(3, &error, sizeof error);
    ::_exit(127);
  }
  ::close(output_pipe[1]);
  ::close(exec_error_pipe[1]);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  bool open = true;
  while (open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fd{output_pipe[0], POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR)
      break;
    if (ready <= 0)
      continue;
    const ssize_t got = ::read(output_pipe[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      open = false;
      break;
    }
    const std::size_t room = max_output_ - std::min(max_output_, result.output.size());
    result.output.append(buffer, std::min(room, static_cast<std::size_t>(got)));
  }
  ::close(output_pipe[0]);
  // The output is closed; the child may still run (until the deadline).
  int status = 0;
  for (;;) {
    const pid_t reaped = ::waitpid(pid, &status, result.timed_out ? 0 : WNOHANG);
    if (reaped == pid || (reaped < 0 && errno != EINTR))
      break;
    if (reaped == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
      } else {
        ::usleep(2000);
      }
    }
  }
  result.exit_code = exit_code_of(status);
  int exec_errno = 0;
  if (::read(exec_error_pipe[0], &exec_errno, sizeof exec_errno) ==
      static_cast<ssize_t>(sizeof exec_errno)) {
    result.start_error = argv[0] + ": " + std::strerror(exec_errno);
    result.exit_code = -1;
  }
  ::close(exec_error_pipe[0]);
  return result;
}

}  // namespace peerapi::router
