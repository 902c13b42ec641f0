#include "render/behaviour/lab.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/test_support.hpp"

namespace peerapi::testing::lab {

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

bool write_whole(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

/// argv as the char* array execv wants; the strings must outlive it.
std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> result;
  result.reserve(argv.size() + 1);
  for (const auto& arg : argv)
    result.push_back(const_cast<char*>(arg.c_str()));
  result.push_back(nullptr);
  return result;
}

/// In a freshly forked child: die with the parent, join `ns`, run `argv`. Reports the errno of
/// a failed step through `status_fd` (close-on-exec, so a successful exec reports nothing).
/// Only async-signal-safe calls.
[[noreturn]] void exec_child(const std::vector<char*>& argv, const Namespace* ns, int output_fd,
                             const char* working_dir, int status_fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    ::_exit(127);
  int error = 0;
  if (ns != nullptr && ::setns(ns->fd(), CLONE_NEWNET) != 0)
    error = errno;
  if (error == 0 && working_dir != nullptr && working_dir[0] != '\0' && ::chdir(working_dir) != 0)
    error = errno;
  if (error == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0)
      ::dup2(null_fd, STDIN_FILENO);
    ::dup2(output_fd, STDOUT_FILENO);
    ::dup2(output_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    error = errno;
  }
  [[maybe_unused]] const auto written = ::write(status_fd, &error, sizeof error);
  ::_exit(127);
}

/// Reads the errno reported by exec_child, or 0 when the exec succeeded (EOF).
int read_exec_status(int status_fd) {
  int error = 0;
  ssize_t n = 0;
  do {
    n = ::read(status_fd, &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof error) ? error : 0;
}

/// argv with argv[0] resolved to a full path (exec_child uses execv, which does not search).
std::vector<std::string> resolved(const std::vector<std::string>& argv, std::string& error) {
  std::vector<std::string> result = argv;
  if (result.empty()) {
    error = "empty command";
    return result;
  }
  const auto path = find_program(result[0]);
  if (!path) {
    error = "program not found: " + result[0];
    return result;
  }
  result[0] = path->string();
  return result;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty())
      text += ' ';
    text += arg;
  }
  return text;
}

}  // namespace

std::string acquire_netns_privilege() {
  static std::optional<std::string> answer;
  if (answer)
    return *answer;
  if (::geteuid() == 0) {
    answer = "";
    return *answer;
  }
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER) != 0) {
    answer =
        "not root, and an unprivileged user namespace is not available (unshare(CLONE_NEWUSER): " +
        errno_text(errno) +
        "); run the test as root (CI does) or allow user namespaces "
        "(sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone)";
    return *answer;
  }
  if (!write_whole("/proc/self/setgroups", "deny") ||
      !write_whole("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n") ||
      !write_whole("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n")) {
    answer = "not root, and mapping root in the new user namespace failed: " + errno_text(errno);
    return *answer;
  }
  answer = "";
  return *answer;
}

std::optional<std::filesystem::path> find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0)
      return std::filesystem::path(program);
    return std::nullopt;
  }
  std::string search = "/usr/local/sbin:/usr/sbin:/sbin";
  if (const char* path = std::getenv("PATH"); path != nullptr)
    search = std::string(path) + ":" + search;
  std::stringstream dirs(search);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty())
      continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

Namespace::Namespace(std::string name) : name_(std::move(name)) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    error_ = "pipe: " + errno_text(errno);
    return;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork: " + errno_text(errno);
    ::close(ready[0]);
    ::close(ready[1]);
    return;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(1);
    const int error = ::unshare(CLONE_NEWNET) == 0 ? 0 : errno;
    [[maybe_unused]] const auto written = ::write(ready[1], &error, sizeof error);
    for (;;)
      ::pause();
  }
  ::close(ready[1]);
  holder_ = pid;
  int error = 0;
  const ssize_t n = ::read(ready[0], &error, sizeof error);
  ::close(ready[0]);
  if (n != static_cast<ssize_t>(sizeof error)) {
    error_ = "namespace holder for " + name_ + " died before reporting";
    return;
  }
  if (error != 0) {
    error_ = "unshare(CLONE_NEWNET) for " + name_ + ": " + errno_text(error);
    return;
  }
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    error_ = "open " + path + ": " + errno_text(errno);
}

Namespace::~Namespace() {
  if (fd_ >= 0)
    ::close(fd_);
  if (holder_ > 0) {
    ::kill(holder_, SIGKILL);
    int status = 0;
    ::waitpid(holder_, &status, 0);
  }
}

CommandResult run(const std::vector<std::string>& argv_in, const Namespace* ns,
                  std::chrono::milliseconds timeout) {
  CommandResult result;
  std::string error;
  const std::vector<std::string> argv = resolved(argv_in, error);
  if (!error.empty()) {
    result.output = error;
    return result;
  }
  int output[2];
  int status[2];
  if (::pipe2(output, O_CLOEXEC) != 0)
    return result;
  if (::pipe2(status, O_CLOEXEC) != 0) {
    ::close(output[0]);
    ::close(output[1]);
    return result;
  }
  const std::vector<char*> c_args = c_argv(argv);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0)
    exec_child(c_args, ns, output[1], nullptr, status[1], parent);
  ::close(output[1]);
  ::close(status[1]);
  if (pid < 0) {
    ::close(output[0]);
    ::close(status[0]);
    result.output = "fork: " + errno_text(errno);
    return result;
  }
  const int exec_error = read_exec_status(status[0]);
  ::close(status[0]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fd{output[0], POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      continue;
    const ssize_t n = ::read(output[0], buffer, sizeof buffer);
    if (n <= 0)
      break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(output[0]);
  int wait_status = 0;
  ::waitpid(pid, &wait_status, 0);
  result.exit_code = decode_status(wait_status);
  if (exec_error != 0) {
    result.exit_code = -1;
    result.output = "cannot execute " + argv[0] + ": " + errno_text(exec_error);
  }
  return result;
}

Process::Process(std::string label, const std::vector<std::string>& argv_in, const Namespace& ns,
                 const std::filesystem::path& output_file, const std::filesystem::path& working_dir)
    : label_(std::move(label)), output_file_(output_file) {
  const std::vector<std::string> argv = resolved(argv_in, start_error_);
  if (!start_error_.empty())
    return;
  const int output_fd =
      ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (output_fd < 0) {
    start_error_ = "open " + output_file.string() + ": " + errno_text(errno);
    return;
  }
  int status[2];
  if (::pipe2(status, O_CLOEXEC) != 0) {
    start_error_ = "pipe: " + errno_text(errno);
    ::close(output_fd);
    return;
  }
  const std::vector<char*> c_args = c_argv(argv);
  const std::string dir = working_dir.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0)
    exec_child(c_args, &ns, output_fd, dir.c_str(), status[1], parent);
  ::close(output_fd);
  ::close(status[1]);
  if (pid < 0) {
    start_error_ = "fork: " + errno_text(errno);
    ::close(status[0]);
    return;
  }
  pid_ = pid;
  const int exec_error = read_exec_status(status[0]);
  ::close(status[0]);
  if (exec_error != 0) {
    start_error_ = "cannot execute " + joined(argv) + " in namespace " + ns.name() + ": " +
                   errno_text(exec_error);
    running();
  }
}

Process::~Process() {
  stop();
}

bool Process::running() {
  if (pid_ <= 0 || exit_code_)
    return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return done == 0;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (!running())
    return exit_code_.value_or(-1);
  ::kill(pid_, SIGTERM);
  const bool exited = wait_until(
      grace, [this] { return !running(); }, 20ms);
  if (!exited) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_code_ = decode_status(status);
  }
  return exit_code_.value_or(-1);
}

std::string Process::output() const {
  std::error_code ignored;
  if (!std::filesystem::exists(output_file_, ignored))
    return "";
  return read_file(output_file_);
}

bool wait_until(std::chrono::milliseconds timeout, const std::function<bool()>& done,
                std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(interval);
  }
}

Link::Link(const std::string& run_id, const LinkAddresses& addresses)
    : a_(std::make_unique<Namespace>(run_id + "-a")),
      b_(std::make_unique<Namespace>(run_id + "-b")) {
  if (!a_->valid()) {
    error_ = a_->error();
    return;
  }
  if (!b_->valid()) {
    error_ = b_->error();
    return;
  }
  const std::string b_pid = std::to_string(b_->holder_pid());
  struct Step {
    Namespace* ns;
    std::vector<std::string> argv;
  };
  const std::vector<Step> steps = {
      {a_.get(),
       {"ip", "link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns", b_pid}},
      {a_.get(), {"ip", "link", "set", "lo", "up"}},
      {b_.get(), {"ip", "link", "set", "lo", "up"}},
      {a_.get(), {"ip", "address", "add", addresses.a_v4, "dev", "veth-a"}},
      {a_.get(), {"ip", "address", "add", addresses.a_v6, "dev", "veth-a", "nodad"}},
      {b_.get(), {"ip", "address", "add", addresses.b_v4, "dev", "veth-b"}},
      {b_.get(), {"ip", "address", "add", addresses.b_v6, "dev", "veth-b", "nodad"}},
      {a_.get(), {"ip", "link", "set", "veth-a", "up"}},
      {b_.get(), {"ip", "link", "set", "veth-b", "up"}},
  };
  for (const auto& step : steps) {
    const CommandResult result = run(step.argv, step.ns);
    if (!result.ok()) {
      error_ = "in namespace " + step.ns->name() + ": `" + joined(step.argv) + "` failed (exit " +
               std::to_string(result.exit_code) + (result.timed_out ? ", timed out" : "") +
               "): " + result.output;
      return;
    }
  }
}

bool tcp_listening(pid_t pid, const std::string& ipv4, int port) {
  in_addr address{};
  if (::inet_pton(AF_INET, ipv4.c_str(), &address) != 1)
    return false;
  char wanted[32];
  std::snprintf(wanted, sizeof wanted, "%08X:%04X", static_cast<unsigned>(address.s_addr),
                static_cast<unsigned>(port));
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot;
    std::string local;
    std::string remote;
    std::string state;
    fields >> slot >> local >> remote >> state;
    if (local == wanted && state == "0A")  // TCP_LISTEN
      return true;
  }
  return false;
}

}  // namespace peerapi::testing::lab
