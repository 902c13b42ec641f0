// The BIRD 2 driver (issue 6): rendered files written into the configuration folder, checked
// with `birdc configure check`, loaded with `birdc configure`; state from
// `birdc show protocols all`. BIRD reads the files only on `configure`, so writing them first
// and putting the previous ones back when BIRD refuses them never exposes a refused config.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "router/command_runner.hpp"
#include "router/config_directory.hpp"
#include "router/driver.hpp"

namespace peerapi::router::bird {

struct BirdDriverOptions {
  /// The folder of the rendered files; BIRD runs its bird.conf or the operator's main file
  /// includes the files under peerapi/.
  std::filesystem::path config_dir;
  std::string birdc = "birdc";
  std::string control_socket;  // birdc -s; empty: birdc's default
  std::chrono::milliseconds timeout{60'000};
};

class BirdDriver final : public Driver {
 public:
  BirdDriver(BirdDriverOptions options, CommandRunner& runner);
  [[nodiscard]] render::Daemon daemon() const override { return render::Daemon::bird; }
  Result<ApplyOutcome> apply(const render::Rendering& rendering) override;
  Result<std::map<std::string, SessionState, std::less<>>> read_state(
      std::span<const SessionKey> sessions) override;

 private:
  CommandResult birdc(const std::string& command);
  /// `configure check` then `configure`; the error names what BIRD said.
  Result<void> reconfigure();

  BirdDriverOptions options_;
  CommandRunner& runner_;
  ConfigDirectory directory_;
  /// Set once BIRD has been told to load what the folder holds: until then an unchanged
  /// folder is still loaded (a crash may have come between writing and `configure`).
  bool loaded_ = false;
};

}  // namespace peerapi::router::bird
