// A small network lab for behaviour tests of rendered router configuration (issue 5, "Tests"):
// network namespaces joined by a veth pair, daemons started inside them and stopped by PID,
// commands run with bounded timeouts, and bounded waiting. Everything a Lab creates is undone
// by its destructor, also when an assertion ends the test early; every process it starts also
// gets SIGKILL from the kernel when the test process dies (PR_SET_PDEATHSIG), and a namespace
// vanishes with its last process, so nothing outlives the test binary.
//
// Namespaces are held by a holder process each (`unshare(CLONE_NEWNET)` + `pause()`); other
// processes join them with setns(2) on the holder's /proc/PID/ns/net. That works for root and
// for an unprivileged user inside its own user namespace (see `acquire_netns_privilege`).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peerapi::testing::lab {

using namespace std::chrono_literals;

/// Makes this process able to create network namespaces. Empty when it can: the effective
/// user is root, or an unprivileged user namespace mapping root to the caller was entered
/// (`unshare --user --map-root-user` done in-process; call it while the process has one
/// thread). Otherwise the reason it cannot, for a loud GTEST_SKIP message.
std::string acquire_netns_privilege();

/// The full path of `program` found in PATH (or the path itself when it contains a '/' and is
/// executable); nullopt when missing.
std::optional<std::filesystem::path> find_program(const std::string& program);

/// A network namespace kept alive by a holder process; the namespace is gone once the holder
/// and every process started in it have exited.
class Namespace {
 public:
  /// Error text in `error` on failure (the Namespace is then not valid()).
  explicit Namespace(std::string name);
  ~Namespace();
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  [[nodiscard]] bool valid() const { return holder_ > 0 && fd_ >= 0; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] pid_t holder_pid() const { return holder_; }
  /// An open descriptor of the namespace, for setns(2).
  [[nodiscard]] int fd() const { return fd_; }

 private:
  std::string name_;
  std::string error_;
  pid_t holder_ = -1;
  int fd_ = -1;
};

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not be started
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved

  [[nodiscard]] bool ok() const { return exit_code == 0 && !timed_out; }
};

/// Runs `argv` to completion (in `ns` when given), killing it after `timeout`.
CommandResult run(const std::vector<std::string>& argv, const Namespace* ns = nullptr,
                  std::chrono::milliseconds timeout = 10s);

/// A process started in a namespace, stdout and stderr appended to `output_file`. Stopped by
/// PID on destruction (SIGTERM, then SIGKILL after a grace period).
class Process {
 public:
  Process(std::string label, const std::vector<std::string>& argv, const Namespace& ns,
          const std::filesystem::path& output_file, const std::filesystem::path& working_dir = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] const std::string& label() const { return label_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// Empty when the program was executed; otherwise why not (exec errno text).
  [[nodiscard]] const std::string& start_error() const { return start_error_; }
  /// Reaps the process when it has exited; false then (and after stop()).
  bool running();
  /// The exit code (128 + signal) if it has exited by itself.
  [[nodiscard]] std::optional<int> exit_code() const { return exit_code_; }
  /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code (128 + signal).
  int stop(std::chrono::milliseconds grace = 5s);
  /// The output file so far (for failure messages).
  [[nodiscard]] std::string output() const;

 private:
  std::string label_;
  std::filesystem::path output_file_;
  pid_t pid_ = -1;
  std::string start_error_;
  std::optional<int> exit_code_;
};

/// Polls `done` every `interval` until it returns true or `timeout` has passed; returns its
/// last answer. `done` runs at least once.
bool wait_until(std::chrono::milliseconds timeout, const std::function<bool()>& done,
                std::chrono::milliseconds interval = 200ms);

/// The addresses of the link between two namespaces.
struct LinkAddresses {
  std::string a_v4;  // with prefix length, e.g. "192.0.2.1/24"
  std::string b_v4;
  std::string a_v6;  // e.g. "2001:db8:ffff::1/64"; added without duplicate address detection
  std::string b_v6;
};

/// Two namespaces "a" and "b" joined by a veth pair ("veth-a" in a, "veth-b" in b), both up
/// with their addresses, loopback up in both. `error()` is empty when everything worked.
class Link {
 public:
  Link(const std::string& run_id, const LinkAddresses& addresses);
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] Namespace& a() { return *a_; }
  [[nodiscard]] Namespace& b() { return *b_; }

 private:
  std::unique_ptr<Namespace> a_;
  std::unique_ptr<Namespace> b_;
  std::string error_;
};

/// Whether a TCP socket in LISTEN state bound to `ipv4` (dotted quad) and `port` exists in the
/// network namespace of process `pid` (read from /proc/PID/net/tcp).
bool tcp_listening(pid_t pid, const std::string& ipv4, int port);

}  // namespace peerapi::testing::lab
