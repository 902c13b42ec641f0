// A BGP session as the Peering API describes it (draft "BGP Session" data type; DESIGN.md).
// Orientation: local_* is the requesting network (initiator), peer_* is this server's network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/asn.hpp"
#include "model/bgp_role.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "model/location.hpp"
#include "model/uuid.hpp"

namespace peerapi::model {

enum class SessionStatus : std::uint8_t {
  pending,        // accepted for review, not yet decided
  approved,       // accepted; not yet on the router
  rejected,       // refused by the server
  configured,     // the server side is on its router
  established,    // BGP session up
  down,           // configured, was or is not up
  unestablished,  // TimeWindow passed without coming up (draft "Completion")
  deleted,        // removed on request
};

std::string_view to_string(SessionStatus status) noexcept;
Result<SessionStatus> parse_session_status(std::string_view text, std::string_view field);
/// A live session occupies its (local, peer, location) tuple; others do not.
bool is_live(SessionStatus status) noexcept;

/// A TCP MD5 / TCP-AO key (RFC 7454 section 5.1). Write-only: never rendered in a response,
/// a log line or an error. Restricted to printable ASCII without quotes, backslashes or spaces
/// so it can be placed in any daemon's configuration without escaping; 1-80 bytes (the Linux
/// TCP_MD5SIG_MAXKEYLEN).
class SessionSecret {
 public:
  static Result<SessionSecret> parse(std::string_view text, std::string_view field);
  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
  bool operator==(const SessionSecret&) const = default;

 private:
  explicit SessionSecret(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

/// The fields a caller supplies for one session, validated field by field.
struct SessionRequest {
  Asn local_asn;
  IpAddress local_ip;
  Asn peer_asn;
  IpAddress peer_ip;
  BgpRole local_bgp_role = BgpRole::peer;
  BgpRole peer_bgp_role = BgpRole::peer;
  bool local_insert_asn = true;
  bool peer_insert_asn = true;
  bool local_monitoring_session = false;
  bool peer_monitoring_session = false;
  LocationType peer_type = LocationType::public_peering;
  std::optional<SessionSecret> session_secret;
  LocationId location;
};

/// A stored session: the request plus what the server assigned.
struct Session {
  Uuid session_id;
  Uuid request_id;
  SessionRequest fields;
  SessionStatus status = SessionStatus::pending;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

}  // namespace peerapi::model
