// The two-network world of the end-to-end test and of the establish benchmark (issue 6; DESIGN.md
// "Testing layers" 5): two networks peer over an IX LAN made of two network namespaces joined
// by a veth pair (192.0.2.0/24, 2001:db8:ffff::/64).
//
//   namespace A: AS64501 "Example Access", the initiator   192.0.2.11   2001:db8:ffff::11
//                BIRD A (announces four prefixes), `peerapi serve -c a.toml`
//   namespace B: AS64500 "Example Transit", the receiver   192.0.2.10   2001:db8:ffff::10
//                BIRD B, `peerapi serve -c b.toml` on 192.0.2.10:8080, stayrtr on 127.0.0.1:3323
//
// Both read one PeeringDB snapshot describing both networks at DOC-IX Frankfurt, one IRR dump and
// (B's router, over RTR) one VRP file: tests/e2e/data. Each peerapi drives its own BIRD through
// [router] (render, `birdc configure`, `birdc show protocols all`); the world only starts the
// daemons and writes the files an operator would. A third network, AS64502 (c.toml: no [router],
// no BIRD), can ask B for sessions it never configures.
//
// Documentation addresses and ASNs only; nothing leaves the namespaces; no daemon installs routes
// into a kernel table; every process is stopped by PID and the namespaces vanish with them.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "e2e/e2e_world.hpp"
#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::e2e {

inline constexpr int kApiPort = 8080;  // inside the namespaces: nothing else listens there
inline constexpr int kRtrPort = 3323;
inline constexpr const char* kAv4 = "192.0.2.11";
inline constexpr const char* kAv6 = "2001:db8:ffff::11";
inline constexpr const char* kBv4 = "192.0.2.10";
inline constexpr const char* kBv6 = "2001:db8:ffff::10";
inline constexpr const char* kSilentV4 = "192.0.2.12";     // AS64502's IX address: nobody answers
inline constexpr const char* kTokenA = "dev-token-64501";  // A's static token at B
inline constexpr const char* kTokenC = "dev-token-64502";  // AS64502's

// What A's BIRD announces (a static protocol in A's main file) and what B must make of it.
inline constexpr const char* kGoodV4 = "198.51.100.0/24";    // in A's IRR, RPKI valid: accepted
inline constexpr const char* kInvalidV4 = "203.0.113.0/24";  // in A's IRR, ROA for AS64999
inline constexpr const char* kBogonV4 = "100.64.0.0/10";     // RFC 6598 shared address space
inline constexpr const char* kGoodV6 = "2001:db8:100::/40";  // in A's IRR, RPKI valid: accepted

/// B's API base as seen from A's namespace.
std::string b_url();

/// The programs the world runs that may be missing here (empty when all are installed).
std::vector<std::string> missing_programs();

/// How the world is set up beyond what the end-to-end test needs (the benchmark's probes).
struct WorldOptions {
  /// B's [router] time_window_seconds.
  int b_time_window_seconds = 3600;
  /// Both BIRDs log protocol state changes and BGP events (`debug protocols { states, events
  /// }`) with millisecond timestamps (`timeformat log iso long ms`) into their log file.
  bool trace_bgp = false;
  /// Both BIRDs load a copy of peerapi's config_dir instead of the folder itself: a birdc
  /// wrapper ([router] control_program) makes the copy before every `configure`, and adds
  /// `connect delay time N;` to every BGP protocol while World::set_connect_delay(N) is in
  /// force. peerapi's own files are never touched, so its driver sees only what it wrote.
  bool mirror_bird_config = false;
};

/// One network of the world.
struct Network {
  std::string label;  // "a" or "b"
  std::filesystem::path dir;
  std::filesystem::path config;
  std::filesystem::path bird_dir;  // [router] config_dir
  const char* v4 = nullptr;
  std::unique_ptr<behaviour::BirdDaemon> bird;
  std::unique_ptr<lab::Process> serve;  // declared after bird: stopped first

  [[nodiscard]] std::vector<behaviour::BirdProtocol> protocols() const;
  /// The BGP protocol whose neighbor is `address` (nullopt when there is none).
  [[nodiscard]] std::optional<behaviour::BirdProtocol> protocol_to(
      const std::string& address) const;
  /// The rendered session files under config_dir that name `session_id`.
  [[nodiscard]] std::vector<std::filesystem::path> session_files(
      const std::string& session_id) const;
  /// The network's SQLite store.
  [[nodiscard]] std::filesystem::path store() const { return dir / "peerapi.db"; }
};

class World {
 public:
  explicit World(WorldOptions options = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  lab::Namespace& ns_a() { return link_->a(); }
  lab::Namespace& ns_b() { return link_->b(); }
  Network& a() { return a_; }
  Network& b() { return b_; }

  /// Data, configuration files, the link, stayrtr, both BIRDs and both servers. Empty when all
  /// of it runs, else what failed.
  std::string start();

  /// `peerapi serve -c CONFIG` inside the network's namespace; empty once it listens.
  std::string start_serve(Network& network, const std::filesystem::path& config);

  /// The configuration files of the three networks (B's with the TimeWindow given).
  [[nodiscard]] std::string a_config() const;
  [[nodiscard]] std::string b_config(int time_window_seconds) const;
  [[nodiscard]] std::string c_config() const;

  /// With mirror_bird_config: the `connect delay time` added to every BGP protocol from the
  /// next `configure` on (nullopt: none added, BIRD's default of 5 s applies).
  void set_connect_delay(std::optional<int> seconds);

  /// B's GET /sessions/{id}, as A's token sees it.
  std::optional<boost::json::object> b_session(const std::string& id);

  /// Everything useful when a step fails.
  std::string diagnostics();

 private:
  std::string bird_main(const Network& network) const;
  std::string mirror_birdc(const Network& network) const;
  [[nodiscard]] std::filesystem::path loaded_dir(const Network& network) const;
  [[nodiscard]] std::filesystem::path connect_delay_file() const;

  WorldOptions options_;
  TempDir temp_;
  std::filesystem::path root_;
  std::unique_ptr<lab::Link> link_;
  std::unique_ptr<behaviour::StayRtr> rtr_;
  Network a_;
  Network b_;
};

/// The string member `key` of `object` ("" when missing or not a string).
std::string string_at(const boost::json::object& object, std::string_view key);

}  // namespace peerapi::testing::e2e
