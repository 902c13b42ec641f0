// Typed errors shared by every layer: a closed code, the field path it concerns, and a message
// meant for a network engineer. Codes are stable strings on the wire (docs/wire.md).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace peerapi {

enum class ErrorCode {
  // Body and syntax.
  malformed_json,          // not JSON at all, or trailing garbage
  too_deep,                // JSON nesting above the cap
  body_too_large,          // body above the size cap (413)
  unsupported_media_type,  // Content-Type is not application/json (415)
  missing_field,
  unknown_field,
  wrong_type,
  invalid_value,
  out_of_range,
  too_many_items,
  empty_request,
  // Values.
  invalid_asn,
  reserved_asn,
  invalid_ip,
  invalid_uuid,
  invalid_url,
  invalid_location,
  invalid_role,
  invalid_secret,
  invalid_next_token,
  // Semantics of a requested session (draft 4.2, DESIGN.md "Wire contract").
  not_server_asn,
  asn_not_authorized,
  unknown_location,
  location_not_common,
  peer_type_mismatch,
  private_peering_unsupported,
  ip_family_mismatch,
  ip_not_caller_address,
  ip_outside_ixlan,
  ip_not_server_address,
  role_incomplete,
  role_mismatch,
  both_monitoring,
  duplicate_in_request,
  duplicate_session,
  // Operator policy (policy/operator_policy.hpp): stable reason codes of its decisions.
  asn_denied,                  // the operator's deny list names the requester
  no_peeringdb_record,         // the requester has no PeeringDB network record
  peering_policy,              // the requester's PeeringDB policy_general maps to review or reject
  prefix_count,                // PeeringDB info_prefixes4/6 outside the operator's bounds
  irr_as_set_missing,          // the requester's IRR AS-SET does not exist or expands to nothing
  irr_unavailable,             // IRR data could not be consulted; held for review
  rpki_invalid_routes,         // some IRR routes of the requester are RPKI-invalid (RFC 6811)
  rpki_valid_share,            // too few IRR routes of the requester are RPKI-valid
  rpki_unavailable,            // RPKI data is not loaded yet; held for review
  session_cap,                 // the requester's live sessions would exceed a cap
  address_family_not_allowed,  // the operator does not peer over this address family here
  location_route_server_only,  // only route-server sessions at this location
  review_rule,                 // an operator rule holds the session for manual review
  // Request level.
  unauthenticated,      // 401
  forbidden,            // 403
  not_found,            // 404
  method_not_allowed,   // 405
  request_id_conflict,  // 409: client request_id reused with a different body
  all_rejected,         // 422
  rate_limited,         // 429
  unavailable,          // 503
  internal,             // 500; never for bad input
  // Configuration and data files.
  config_invalid,
  data_invalid,
  io_error,
  store_error,
  // Admission ([limits], docs/security.md).
  pending_cap,  // the requester has limits.max_pending_per_requester sessions pending already
};

/// The wire spelling of a code (snake_case, stable across releases).
std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string field;  // field path, e.g. "sessions[2].local_ip"; empty for request-level errors
  std::string message;

  /// The same error with `prefix` prepended to its field path ("sessions[2]" + "local_ip").
  [[nodiscard]] Error under(std::string_view prefix) const;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string field, std::string message) {
  return std::unexpected(Error{code, std::move(field), std::move(message)});
}

/// Joins a parent path and a child name: join_path("sessions[2]", "local_ip").
std::string join_path(std::string_view parent, std::string_view child);

}  // namespace peerapi
