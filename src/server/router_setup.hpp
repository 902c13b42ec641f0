// [router] for `peerapi serve` (issue 6): the driver of the configured daemon, the render
// function over this server's data sources, and the reconcile loop that ties them to the store.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "lifecycle/reconciler.hpp"
#include "router/command_runner.hpp"
#include "router/driver.hpp"
#include "server/api_service.hpp"
#include "server/irr_routing_facts.hpp"
#include "sources/iana/bogons.hpp"
#include "store/store.hpp"

namespace peerapi::server {

/// Renders router sessions of both sides with the configured daemon, version and [render]
/// options: facts from the current PeeringDB snapshot, prefix lists from `irr` (may be null in
/// loose mode), `bogons` from the IANA registries. Session keys name each session as the
/// renderer did (render::unique_session_names).
lifecycle::RenderFunction make_render_function(const config::Config& config,
                                               const SnapshotHolder& peeringdb,
                                               IrrRoutingFacts* irr,
                                               sources::iana::BogonSet bogons);

/// Everything the reconcile loop needs, owned together.
class RouterLifecycle {
 public:
  /// Built from [router] (which must be enabled). Errors name the key: router.daemon without a
  /// driver, render.mode strict without [sources.irr], sources.iana.dir unreadable.
  static Result<std::unique_ptr<RouterLifecycle>> create(
      const config::Config& config, store::Store& store, const SnapshotHolder& peeringdb,
      IrrRoutingFacts* irr, const util::Clock& clock, std::string holder);
  ~RouterLifecycle();

  void start() { loop_->start(); }
  /// One pass on the caller's thread (for a command that drives the router without a loop).
  Result<lifecycle::PassReport> run_pass() { return reconciler_->run_pass(); }
  void poke() { loop_->poke(); }
  void stop() { loop_->stop(); }

 private:
  RouterLifecycle() = default;
  std::unique_ptr<router::CommandRunner> runner_;
  std::unique_ptr<router::Driver> driver_;
  std::unique_ptr<lifecycle::Reconciler> reconciler_;
  std::unique_ptr<lifecycle::ReconcileLoop> loop_;
};

}  // namespace peerapi::server
