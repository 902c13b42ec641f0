// The reconcile loop (issue 6, DESIGN.md "lifecycle/"): drives the sessions of the store onto
// the router and the router's state back into the store.
//
// One pass: take the router's lease (so one process of those sharing the store drives a
// router), expire configured sessions past the TimeWindow, render every session that belongs
// on the router (both sides) into one configuration, apply it (the driver never leaves a
// refused configuration running), move approved sessions to configured, read the BGP state of
// each and move sessions between configured, established and down. Every status change goes
// through the store's conditional transition and its history.
//
// Restart-safe by construction: a pass recomputes the desired configuration from the store
// alone, the driver does not reload an unchanged configuration, and a transition is only made
// from the status the pass saw. A crash between an apply and its transitions is repaired by
// the next pass (same rendering, the transitions then made).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "model/error.hpp"
#include "render/renderer.hpp"
#include "router/driver.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::lifecycle {

/// The configuration for a set of sessions, and how each is named on the router.
struct RouterConfig {
  render::Rendering rendering;
  std::map<model::Uuid, router::SessionKey> keys;  // every session rendered
};

/// Renders `sessions` (each with its side) into one configuration. Supplied by the edge, which
/// knows the data sources (server/render_inputs.hpp); tests pass their own.
using RenderFunction =
    std::function<Result<RouterConfig>(std::span<const store::RouterSession> sessions)>;

struct ReconcilerOptions {
  std::string router_name = "default";  // the lease name; [router] name
  std::string holder;                   // this process, unique among those sharing the store
  std::int64_t lease_ms = 30'000;       // how long a pass's lease lasts without renewal
  std::int64_t time_window_ms = 86'400'000;
  /// Sessions configured at most this long ago and not yet established make the loop poll
  /// fast (ReconcileLoop), so a new session is seen coming up within a second.
  std::int64_t fast_start_window_ms = 120'000;
};

struct PassReport {
  bool leased = false;   // false: another process holds the router; nothing was done
  bool changed = false;  // the router's configuration changed
  std::size_t on_router = 0;
  std::size_t configured = 0;  // approved -> configured
  std::size_t established = 0;
  std::size_t down = 0;
  std::size_t unestablished = 0;
  std::size_t removed = 0;  // left the router
  std::string apply_error;  // non-empty when the configuration was not applied
  bool waiting = false;     // a session configured recently is not up yet
  std::chrono::milliseconds apply_time{0};
  std::chrono::milliseconds read_time{0};
};

class Reconciler {
 public:
  Reconciler(store::Store& store, router::Driver& driver, RenderFunction render,
             const util::Clock& clock, ReconcilerOptions options);

  /// One pass. Errors: the store's (nothing of the pass is half-recorded: records are saved in
  /// one batch at the end) and the router's `unavailable` when its state cannot be read. A
  /// refused or failed apply is not an error of the pass: it is in PassReport::apply_error and
  /// on the affected sessions' records.
  Result<PassReport> run_pass();

  /// Ends this process's lease on the router now (when it holds it), so a restarted or other
  /// process takes over at its next pass instead of waiting for the lease to run out.
  Result<void> release_lease();

 private:
  store::Store& store_;
  router::Driver& driver_;
  RenderFunction render_;
  const util::Clock& clock_;
  ReconcilerOptions options_;
};

/// Runs passes on a thread: every `interval`, every `fast_interval` while a session is waiting
/// to come up, and at once after poke(). Errors are logged, never fatal.
class ReconcileLoop {
 public:
  /// A cheap value that changes when another process adds work (the store's session count:
  /// `peerapi request --wait` storing our side of new sessions); nullopt when unknown.
  using ChangeMarker = std::function<std::optional<std::int64_t>()>;

  /// With `marker`, the loop also looks at it every `fast_interval` and runs a pass as soon as
  /// it changes, so work added by another process does not wait for the next `interval`.
  ReconcileLoop(Reconciler& reconciler, std::chrono::milliseconds interval,
                std::chrono::milliseconds fast_interval = std::chrono::milliseconds(250),
                ChangeMarker marker = {});
  ~ReconcileLoop();
  ReconcileLoop(const ReconcileLoop&) = delete;
  ReconcileLoop& operator=(const ReconcileLoop&) = delete;

  void start();
  /// Asks for a pass now (after a session was approved or deleted).
  void poke();
  /// Finishes the pass under way, stops, and releases the router's lease. Idempotent.
  void stop();
  /// Passes completed so far (tests wait on it).
  [[nodiscard]] std::uint64_t passes() const;

 private:
  void run();

  Reconciler& reconciler_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds fast_interval_;
  ChangeMarker marker_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::uint64_t passes_ = 0;
  std::thread thread_;
};

}  // namespace peerapi::lifecycle
