// Runs the daemons' control programs (birdc, vtysh, bgpctl, bird -p, bgpd -n) with a deadline.
// An interface so that drivers are tested both against real daemons and against scripted
// answers.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace peerapi::router {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not be started
  bool timed_out = false;
  std::string output;       // stdout and stderr, interleaved, at most the runner's cap
  std::string start_error;  // why it could not be started; empty otherwise

  [[nodiscard]] bool ok() const { return exit_code == 0 && !timed_out; }
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  /// Runs `argv` (argv[0] a path or a name looked up in PATH) with no input, killing it (SIGKILL
  /// to its process group) when `timeout` passes.
  virtual CommandResult run(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) = 0;
};

/// fork/exec with the output captured (at most `max_output` bytes kept; the rest is read and
/// dropped so the child never blocks). Safe to call from several threads: descriptors are
/// close-on-exec and the child closes every other descriptor before exec.
class ProcessRunner final : public CommandRunner {
 public:
  explicit ProcessRunner(std::size_t max_output = std::size_t{64} << 20)
      : max_output_(max_output) {}
  CommandResult run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override;

 private:
  std::size_t max_output_;
};

}  // namespace peerapi::router
