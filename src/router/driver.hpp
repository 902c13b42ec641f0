// The router layer (DESIGN.md "router/"): the only code that talks to a BGP daemon. One driver
// per daemon behind one interface: apply a rendered configuration (render/renderer.hpp), read
// the state of sessions (issue 6, "Router drivers").
//
// Contract every driver keeps: the router never runs a configuration its daemon refused. A
// failed apply leaves (or puts back) the last good configuration, and the error carries the
// daemon's own words, so the lifecycle can mark the affected sessions with it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/error.hpp"
#include "model/ip.hpp"
#include "render/renderer.hpp"

namespace peerapi::router {

/// RFC 4271 section 8.2.2 states, plus `disabled`: the daemon holds the session administratively
/// down (shut by a max-prefix limit, RFC 7454 section 8, or by an operator).
enum class BgpState : std::uint8_t {
  idle,
  connect,
  active,
  open_sent,
  open_confirm,
  established,
  disabled,
};
std::string_view to_string(BgpState state) noexcept;  // "idle", "open_sent", ...

/// Which session to look up: the name the renderers gave it (render::unique_session_names;
/// BIRD protocol name, OpenBGPD descr) and the neighbor's address (FRR keys by address).
struct SessionKey {
  std::string name;
  model::IpAddress neighbor;
};

/// One session as the daemon reports it.
struct SessionState {
  BgpState state = BgpState::idle;
  /// Seconds since the last state change (uptime when established), when the daemon says.
  std::optional<std::int64_t> seconds_in_state;
  std::optional<std::uint64_t> prefixes_received;  // before the import filter
  std::optional<std::uint64_t> prefixes_accepted;  // after it
  /// The daemon's last error about the session, in its words ("BGP Error: Role mismatch",
  /// "Route limit exceeded"); empty when none. An MD5 mismatch shows no error: the session
  /// simply stays in connect/active.
  std::string last_error;
};

struct ApplyOutcome {
  /// False when the router already ran exactly this configuration (nothing written, no reload).
  bool changed = false;
};

class Driver {
 public:
  virtual ~Driver() = default;
  [[nodiscard]] virtual render::Daemon daemon() const = 0;

  /// Makes `rendering` (the complete peerapi part of the router's configuration) the running
  /// one: write, check with the daemon's own checker, reload. Idempotent: the same rendering
  /// twice changes nothing the second time. On failure the previous configuration stays (or is
  /// restored and reloaded) and the error is:
  /// - `invalid_value` at "router.apply" with the daemon's message when it refused the config;
  /// - `unavailable` at "router.control_socket" when the daemon could not be reached;
  /// - `io_error` at the file's path when writing failed.
  virtual Result<ApplyOutcome> apply(const render::Rendering& rendering) = 0;

  /// The state of each of `sessions` by SessionKey::name. Sessions the daemon does not know
  /// are absent from the map. `unavailable` at "router.control_socket" when the daemon could
  /// not be asked; `data_invalid` at "router.state" when its answer could not be read.
  virtual Result<std::map<std::string, SessionState, std::less<>>> read_state(
      std::span<const SessionKey> sessions) = 0;
};

}  // namespace peerapi::router
