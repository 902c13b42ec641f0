// The state machine of a session on the router (issue 6; draft steps 8-11, "Completion"):
// pure functions from a session, its router record and what just happened to the transition
// to make and the record to keep. The reconcile loop (reconciler.hpp) does the I/O.
//
//   approved --accepted apply--> configured --BGP up--> established --BGP not up--> down
//   down --BGP up--> established;  configured --TimeWindow without ever coming up--> unestablished
//   deleted / unestablished: removed from the router by the next accepted apply
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/session.hpp"
#include "router/driver.hpp"
#include "store/store.hpp"

namespace peerapi::lifecycle {

/// The actor of every transition and history entry the lifecycle makes.
inline constexpr std::string_view kActor = "peerapi:lifecycle";

/// Whether a session with `status` belongs on the router: approved, configured, established,
/// down. Pending, rejected, unestablished and deleted do not.
bool belongs_on_router(model::SessionStatus status) noexcept;

struct Step {
  std::optional<model::SessionStatus> to;  // the transition to make, if any
  std::string note;                        // its history note
  store::RouterRecord record;              // the record after this step
};

/// A blank record for a session that has none yet.
store::RouterRecord fresh_record(const model::Uuid& session_id);

/// The router accepted a configuration. `included`: the session was part of it.
/// Included: on the router; approved -> configured; configured_at set on the first time; an
/// apply error recorded earlier is cleared. Not included while on the router: it left the
/// router (a deleted or unestablished session gets a history note, as a transition to itself).
Step after_apply(const store::RouterSession& session, bool included, std::int64_t now_ms,
                 std::string_view router_name);

/// The router refused the configuration (or it could not be built): sessions not yet on the
/// router keep their status and carry the error.
Step after_failed_apply(const store::RouterSession& session, std::string_view error,
                        std::int64_t now_ms);

/// A state read. `state` is nullopt when the daemon does not have the session (then
/// last_error says so). configured/down + established -> established (established_at from the
/// daemon's uptime when given); established + anything else -> down, one flap counted.
Step after_observation(const store::RouterSession& session,
                       const std::optional<router::SessionState>& state, std::int64_t now_ms);

/// Draft "Completion": a configured session that never came up within `time_window_ms` of
/// being configured becomes unestablished (and leaves the router with the next apply).
std::optional<Step> expiry(const store::RouterSession& session, std::int64_t now_ms,
                           std::int64_t time_window_ms);

}  // namespace peerapi::lifecycle
