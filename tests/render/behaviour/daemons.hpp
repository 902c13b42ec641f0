// The daemons of the behaviour test, started in a lab namespace and queried over their control
// sockets: BIRD 2 (birdc), FRR's bgpd without zebra (vtysh) and stayrtr (RTR cache, RFC 8210).
// Parsers of the daemons' text output are free functions so they are tested on captured text.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/ip.hpp"
#include "render/behaviour/lab.hpp"

namespace peerapi::testing::behaviour {

// ---- BIRD ----------------------------------------------------------------------------------

/// One block of `birdc show protocols all`.
struct BirdProtocol {
  std::string name;
  std::string proto;  // "BGP", "RPKI", "Device", ...
  std::string state;  // "up", "start", ...
  std::string info;   // "Established", ...
  std::string neighbor_address;
  /// "Route change stats": the received column of "Import updates" / "Import withdraws".
  long import_updates_received = 0;
  long import_withdraws_received = 0;
  long routes_imported = 0;  // summed over the channels ("Routes: N imported")
};
std::vector<BirdProtocol> parse_bird_protocols(const std::string& text);

/// `birdc show route ... all`: prefix -> attribute name -> value ("BGP.local_pref" -> "100").
/// The route line itself is stored under "" (e.g. "unicast [as64501_x 00:20:23.806] * (100)").
using BirdRoutes = std::map<model::Prefix, std::map<std::string, std::string>>;
BirdRoutes parse_bird_routes(const std::string& text);

/// The import-filter decisions in a BIRD log written with `debug <protocol> { filters }` on:
/// for each time the channel `channel` ("as64501_x.ipv4") filtered a route out, the message
/// the rejecting filter printed (`reject "..."` logs it at level info on the line just before
/// the trace line; BIRD runs one filter at a time), without timestamp and level; "" when that
/// line is not such a message.
std::map<model::Prefix, std::vector<std::string>> parse_bird_filter_log(const std::string& log,
                                                                        const std::string& channel);

/// `bird -f -c CONFIG -s SOCKET -P PIDFILE -D LOG` in `ns`, stopped by PID on destruction. The
/// debug file option collects the log without editing the configuration (BIRD's default log
/// list goes to it when the configuration names no log).
class BirdDaemon {
 public:
  BirdDaemon(std::string label, const lab::Namespace& ns, const std::filesystem::path& config,
             const std::filesystem::path& work_dir);
  /// Empty when BIRD runs and answers on its control socket (waits up to `timeout`).
  std::string wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  lab::CommandResult birdc(const std::string& command) const;
  std::vector<BirdProtocol> protocols() const;
  [[nodiscard]] std::string log() const;
  [[nodiscard]] std::string output() const { return process_->output(); }
  [[nodiscard]] const std::filesystem::path& log_file() const { return log_file_; }
  lab::Process& process() { return *process_; }

 private:
  std::string label_;
  std::filesystem::path socket_;
  std::filesystem::path log_file_;
  std::filesystem::path pid_file_;
  std::unique_ptr<lab::Process> process_;
};

// ---- FRR -----------------------------------------------------------------------------------

/// FRR's bgpd without zebra (`-Z`: nothing reaches a FIB), as root without dropping privileges
/// (`-S`), with the RPKI module, its vty socket in `work_dir`/vty and no TCP vty (`-P 0`).
class FrrBgpd {
 public:
  FrrBgpd(std::string label, const lab::Namespace& ns, const std::filesystem::path& config,
          const std::filesystem::path& work_dir);
  /// Empty when bgpd runs and answers vtysh (waits up to `timeout`).
  std::string wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  lab::CommandResult vtysh(const std::string& command) const;
  [[nodiscard]] std::string output() const { return process_->output(); }
  lab::Process& process() { return *process_; }

 private:
  std::string label_;
  std::filesystem::path vty_dir_;
  std::filesystem::path pid_file_;
  std::unique_ptr<lab::Process> process_;
};

/// One path of `show bgp <afi> unicast <prefix> json`.
struct FrrPath {
  std::string as_path;
  std::optional<long> local_pref;
  std::vector<std::string> communities;        // standard, sorted
  std::vector<std::string> large_communities;  // sorted
  std::string rpki_state;                      // "valid", "notfound", ... as FRR prints it
  std::string next_hop;
};
/// The paths of one prefix (empty when FRR has none or the JSON is not that of a prefix).
std::vector<FrrPath> parse_frr_prefix(const std::string& json_text);
/// The prefixes of `show bgp <afi> unicast neighbors X routes json`.
std::vector<model::Prefix> parse_frr_neighbor_routes(const std::string& json_text);
/// From `show bgp neighbors X json`: the session state ("Established") and whether End-of-RIB
/// was received for `afi_key` ("ipv4Unicast" / "ipv6Unicast").
struct FrrNeighbor {
  std::string state;
  bool end_of_rib_received = false;
};
std::optional<FrrNeighbor> parse_frr_neighbor(const std::string& json_text,
                                              const std::string& address,
                                              const std::string& afi_key);
/// `show rpki prefix-table`: the IPv4 plus IPv6 prefix counts it reports.
long parse_frr_rpki_count(const std::string& text);

// ---- stayrtr -------------------------------------------------------------------------------

/// `stayrtr -bind 127.0.0.1:PORT -cache FILE -checktime=false` in `ns`.
class StayRtr {
 public:
  StayRtr(const lab::Namespace& ns, const std::filesystem::path& vrp_file, int port,
          const std::filesystem::path& work_dir);
  /// Empty when it listens on 127.0.0.1:PORT inside the namespace.
  std::string wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  [[nodiscard]] std::string output() const { return process_->output(); }

 private:
  int port_;
  std::unique_ptr<lab::Process> process_;
};

}  // namespace peerapi::testing::behaviour
