// The OpenBGPD driver (issue 6): the rendered files written into the configuration folder
// (bgpd.conf holds every shared object and session, see docs/render/openbgpd.md), checked with
// `bgpd -n -f config_dir/bgpd.conf`, loaded with `bgpctl reload`; state from one
// `bgpctl show neighbor`. bgpd reads its file only on start and on reload, and a reload whose
// file has errors keeps the running configuration (bgpctl(8)), so writing first and putting
// the previous files back when bgpd refuses them never exposes a refused configuration.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "router/command_runner.hpp"
#include "router/config_directory.hpp"
#include "router/driver.hpp"

namespace peerapi::router::openbgpd {

struct OpenbgpdDriverOptions {
  /// The folder of the rendered files; bgpd runs `-f config_dir/bgpd.conf`.
  std::filesystem::path config_dir;
  std::string bgpctl = "bgpctl";
  std::string control_socket;  // bgpctl -s; empty: bgpctl's default
  std::string bgpd = "/usr/sbin/bgpd";
  std::chrono::milliseconds timeout{60'000};
};

class OpenbgpdDriver final : public Driver {
 public:
  OpenbgpdDriver(OpenbgpdDriverOptions options, CommandRunner& runner);
  [[nodiscard]] render::Daemon daemon() const override { return render::Daemon::openbgpd; }
  Result<ApplyOutcome> apply(const render::Rendering& rendering) override;
  /// Matched by neighbor address, else by description (bgpd.conf `descr`) equal to the name.
  Result<std::map<std::string, SessionState, std::less<>>> read_state(
      std::span<const SessionKey> sessions) override;

 private:
  CommandResult bgpctl(const std::vector<std::string>& arguments);
  /// `bgpd -n` then `bgpctl reload`; the error names what bgpd said.
  Result<void> reload();

  OpenbgpdDriverOptions options_;
  CommandRunner& runner_;
  ConfigDirectory directory_;
  /// Set once bgpd has been told to load what the folder holds: until then an unchanged folder
  /// is still loaded (a crash may have come between writing and the reload).
  bool loaded_ = false;
};

}  // namespace peerapi::router::openbgpd
