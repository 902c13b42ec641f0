// The FRR driver (issue 6): bgpd's configuration is the operator's base configuration followed
// by the rendered frr.conf (which holds every shared object and session fragment, FRR having no
// include directive). An apply writes that candidate to config_dir/frr.conf, checks it offline
// with `vtysh --dryrun -f` (grammar) and `bgpd -C` (semantics), then changes the running bgpd
// through vtysh so that it runs exactly the candidate: the lines the previous candidate had and
// this one lacks are removed with their `no` form, inside their contexts, and the new lines are
// added. State comes from one `show bgp neighbors json`.
//
// Removal is computed here, from the previous candidate, rather than by frr-reload.py: see
// docs/router/frr.md for why (one vtysh run per apply instead of one per removed line, no
// Python, no secret in a log, and nothing touched that bgpd itself adds to its running config).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "router/command_runner.hpp"
#include "router/config_directory.hpp"
#include "router/driver.hpp"

namespace peerapi::router::frr {

struct FrrDriverOptions {
  /// The folder of frr.conf (bgpd runs `-f config_dir/frr.conf`) and of the rendered fragments
  /// under peerapi/ (written for reference; bgpd reads only frr.conf).
  std::filesystem::path config_dir;
  std::string vtysh = "vtysh";
  std::string vty_socket_dir;  // vtysh --vty_socket; empty: default
  std::string bgpd = "/usr/lib/frr/bgpd";
  /// The operator's own bgpd configuration, put before the rendered text; empty: none. Written in
  /// FRR's canonical layout (as `show running-config` prints it: one space of indentation per
  /// level, every context closed by its exit line), which is how removed lines find their
  /// context.
  std::filesystem::path base_config;
  std::chrono::milliseconds timeout{60'000};
};

class FrrDriver final : public Driver {
 public:
  FrrDriver(FrrDriverOptions options, CommandRunner& runner);
  [[nodiscard]] render::Daemon daemon() const override { return render::Daemon::frr; }
  Result<ApplyOutcome> apply(const render::Rendering& rendering) override;
  Result<std::map<std::string, SessionState, std::less<>>> read_state(
      std::span<const SessionKey> sessions) override;

 private:
  std::vector<std::string> vtysh_argv() const;
  /// Both offline checks of config_dir/frr.conf; the error names what FRR said.
  Result<void> check(const std::string& candidate);
  /// Runs `text` through `vtysh -f`. With `tolerate_absent`, lines FRR refuses only because
  /// what they remove is not there are not an error.
  Result<void> load(const std::string& text, bool tolerate_absent);

  FrrDriverOptions options_;
  CommandRunner& runner_;
  ConfigDirectory directory_;
  /// Set once this process has loaded a candidate into bgpd: until then an unchanged folder is
  /// still loaded (a crash may have come between writing and loading).
  bool loaded_ = false;
};

/// The vtysh input that changes a bgpd running `running` (a candidate loaded before) into one
/// running `candidate`. Both texts are read as FRR's canonical layout: a line indented deeper
/// than the one before it opens that line's context; a context ends at its exit line
/// ("exit", "exit-address-family", ...) or at the next line not indented deeper. Contexts with
/// the same header at the same place are one context (FRR merges a repeated `router bgp N`).
struct FrrConfigChange {
  /// `no` lines inside their contexts, for what `running` has and `candidate` lacks: a
  /// route-map clause or a `router` block that is gone entirely by `no <header>`; a neighbor
  /// whose `remote-as` (or `peer-group`) line is gone by `no neighbor X` (and its other lines are
  /// then not removed one by one, FRR removed them with it); any other line by `no <line>`
  /// (a line that starts with "no " is removed by the line without it). `frr version`,
  /// `frr defaults` and exit lines are never removed.
  std::string removals;
  /// Lines inside their contexts, in candidate order, for what `candidate` has and `running`
  /// lacks, every line of a neighbor that `removals` deletes as a whole, and the header of every
  /// new context (so an empty route-map clause is created). With `full`, every line.
  std::string additions;
};
FrrConfigChange plan_change(std::string_view running, std::string_view candidate, bool full);

}  // namespace peerapi::router::frr
