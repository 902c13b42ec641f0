// The server's VRPs ([sources.rpki]) as a RouteValidator for the operator policy: a VRP JSON
// file loaded at start and reloaded in the background (swapped atomically; a failed reload
// keeps the loaded table), or an RTR cache followed by the RTR client (RFC 8210). While no VRPs
// are held (RTR not synchronised yet, or its data expired) the validator answers nullopt and
// the policy holds sessions under RPKI rules for review (rpki_unavailable).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "config/config.hpp"
#include "server/irr_routing_facts.hpp"
#include "server/source_state.hpp"
#include "sources/rpki/rtr_client.hpp"
#include "sources/rpki/vrp_table.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

class RpkiFacts {
 public:
  /// Fails (io_error / data_invalid / config_invalid) when the VRP file cannot be loaded, the
  /// RTR address is bad, or the outbound guard (`outbound`, names resolved by `resolver`,
  /// nullptr: the system resolver) refuses the RTR cache (checked_source_endpoint); every RTR
  /// connection passes the guard again. `clock` must outlive the object.
  static Result<std::unique_ptr<RpkiFacts>> create(
      const config::RpkiSourceSection& config, const util::Clock& clock,
      const net::OutboundPolicy& outbound, std::shared_ptr<net::Resolver> resolver = nullptr);
  ~RpkiFacts();
  RpkiFacts(const RpkiFacts&) = delete;
  RpkiFacts& operator=(const RpkiFacts&) = delete;

  /// Valid for the lifetime of this object.
  [[nodiscard]] RouteValidator validator();

  /// File: up while the last (re)load succeeded. RTR: up while VRPs are held, the last success
  /// being the last End of Data (RFC 8210 section 5.8). Thread-safe.
  [[nodiscard]] SourceState source_state() const;

 private:
  explicit RpkiFacts(config::RpkiSourceSection config);
  Result<void> reload_file();
  [[nodiscard]] std::shared_ptr<const sources::rpki::VrpTable> table() const;

  config::RpkiSourceSection config_;
  std::atomic<std::shared_ptr<const sources::rpki::VrpTable>> file_table_;
  std::unique_ptr<sources::rpki::RtrClient> rtr_;
  const util::Clock* clock_ = nullptr;
  SourceStateCell file_state_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace peerapi::server
