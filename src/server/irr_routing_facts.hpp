// RoutingFacts over the configured IRR source ([sources.irr]): RPSL dumps loaded into an
// IrrDatabase that is reloaded in the background and swapped atomically, or an IRRd server.
// Route origin validation is added through a `RouteValidator` when VRPs are configured.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "config/config.hpp"
#include "net/outbound_guard.hpp"
#include "server/routing_facts.hpp"
#include "server/source_state.hpp"
#include "sources/irr/irr_database.hpp"
#include "sources/irr/irrd_client.hpp"

namespace peerapi::server {

/// RFC 6811 state of one route, or nullopt while no VRPs are loaded.
enum class RouteState { valid, invalid, not_found };
using RouteValidator =
    std::function<std::optional<RouteState>(const model::Prefix& route, model::Asn origin)>;

/// The AS-SET a network's PeeringDB record names (irr_as_set, whose first entry counts when it
/// lists several, separated by spaces or commas), or "AS<n>" when it names none (the aut-num
/// fallback).
std::string as_set_of(model::Asn asn, const sources::peeringdb::Network* network);

/// A plain TCP source's "host:port" (sources.irr.irrd, sources.rpki.rtr; "[v6]:port" for IPv6
/// literals), parsed and checked at startup against the outbound guard: a malformed value or a
/// refused endpoint fails (at `field`, the message naming the [outbound] setting that would
/// allow it); a name that does not resolve now is logged and passes (the client resolves and
/// checks again before every connection, and retries). An empty `resolver` becomes the system
/// resolver, for the client to keep using.
Result<sources::irr::IrrdEndpoint> checked_source_endpoint(
    std::string_view text, std::string_view field, const net::OutboundPolicy& outbound,
    std::shared_ptr<net::Resolver>& resolver);

class IrrRoutingFacts final : public RoutingFacts {
 public:
  /// Loads the dumps once (failing when they cannot be read: the operator asked for rules that
  /// need them), or prepares the IRRd client, whose connections pass the outbound guard
  /// (`outbound`, names resolved by `resolver`, nullptr: the system resolver); an IRRd server
  /// the guard refuses fails here (checked_source_endpoint). `validator` may be empty (no RPKI
  /// rule).
  static Result<std::unique_ptr<IrrRoutingFacts>> create(
      const config::IrrSourceSection& config, RouteValidator validator,
      const net::OutboundPolicy& outbound, std::shared_ptr<net::Resolver> resolver = nullptr);
  ~IrrRoutingFacts() override;

  Result<policy::IrrFacts> irr_facts(model::Asn asn,
                                     const sources::peeringdb::Network* network) override;

  /// Runs `use` with the current IRR source: the loaded database (the snapshot of this moment;
  /// a reload meanwhile does not disturb it), or the IRRd client under its lock. For the router
  /// configuration's prefix lists (server/router_setup.hpp).
  void with_source(const std::function<void(sources::irr::IrrSource&)>& use);

  /// Reloads the dumps every `refresh_seconds` until destroyed; a reload that fails keeps the
  /// loaded data (logged). No-op for IRRd.
  void start_refresh();

  /// Dumps: up while the last (re)load succeeded. IRRd: up while the last query succeeded,
  /// the last success being the creation before any query. Thread-safe.
  [[nodiscard]] SourceState source_state() const { return state_.get(); }

 private:
  IrrRoutingFacts(config::IrrSourceSection config, RouteValidator validator);
  Result<void> reload();
  Result<policy::IrrFacts> facts_from(sources::irr::IrrSource& source, model::Asn asn,
                                      const sources::peeringdb::Network* network);

  config::IrrSourceSection config_;
  RouteValidator validator_;
  std::atomic<std::shared_ptr<sources::irr::IrrDatabase>> database_;
  std::mutex irrd_mutex_;  // one IRRd connection, one query at a time
  std::unique_ptr<sources::irr::IrrdClient> irrd_;
  SourceStateCell state_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace peerapi::server
