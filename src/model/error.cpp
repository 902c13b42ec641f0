#include "model/error.hpp"

namespace peerapi {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::malformed_json:
      return "malformed_json";
    case ErrorCode::too_deep:
      return "too_deep";
    case ErrorCode::body_too_large:
      return "body_too_large";
    case ErrorCode::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorCode::missing_field:
      return "missing_field";
    case ErrorCode::unknown_field:
      return "unknown_field";
    case ErrorCode::wrong_type:
      return "wrong_type";
    case ErrorCode::invalid_value:
      return "invalid_value";
    case ErrorCode::out_of_range:
      return "out_of_range";
    case ErrorCode::too_many_items:
      return "too_many_items";
    case ErrorCode::empty_request:
      return "empty_request";
    case ErrorCode::invalid_asn:
      return "invalid_asn";
    case ErrorCode::reserved_asn:
      return "reserved_asn";
    case ErrorCode::invalid_ip:
      return "invalid_ip";
    case ErrorCode::invalid_uuid:
      return "invalid_uuid";
    case ErrorCode::invalid_url:
      return "invalid_url";
    case ErrorCode::invalid_location:
      return "invalid_location";
    case ErrorCode::invalid_role:
      return "invalid_role";
    case ErrorCode::invalid_secret:
      return "invalid_secret";
    case ErrorCode::invalid_next_token:
      return "invalid_next_token";
    case ErrorCode::not_server_asn:
      return "not_server_asn";
    case ErrorCode::asn_not_authorized:
      return "asn_not_authorized";
    case ErrorCode::unknown_location:
      return "unknown_location";
    case ErrorCode::location_not_common:
      return "location_not_common";
    case ErrorCode::peer_type_mismatch:
      return "peer_type_mismatch";
    case ErrorCode::private_peering_unsupported:
      return "private_peering_unsupported";
    case ErrorCode::ip_family_mismatch:
      return "ip_family_mismatch";
    case ErrorCode::ip_not_caller_address:
      return "ip_not_caller_address";
    case ErrorCode::ip_outside_ixlan:
      return "ip_outside_ixlan";
    case ErrorCode::ip_not_server_address:
      return "ip_not_server_address";
    case ErrorCode::role_incomplete:
      return "role_incomplete";
    case ErrorCode::role_mismatch:
      return "role_mismatch";
    case ErrorCode::both_monitoring:
      return "both_monitoring";
    case ErrorCode::duplicate_in_request:
      return "duplicate_in_request";
    case ErrorCode::duplicate_session:
      return "duplicate_session";
    case ErrorCode::asn_denied:
      return "asn_denied";
    case ErrorCode::no_peeringdb_record:
      return "no_peeringdb_record";
    case ErrorCode::peering_policy:
      return "peering_policy";
    case ErrorCode::prefix_count:
      return "prefix_count";
    case ErrorCode::irr_as_set_missing:
      return "irr_as_set_missing";
    case ErrorCode::irr_unavailable:
      return "irr_unavailable";
    case ErrorCode::rpki_invalid_routes:
      return "rpki_invalid_routes";
    case ErrorCode::rpki_valid_share:
      return "rpki_valid_share";
    case ErrorCode::rpki_unavailable:
      return "rpki_unavailable";
    case ErrorCode::session_cap:
      return "session_cap";
    case ErrorCode::address_family_not_allowed:
      return "address_family_not_allowed";
    case ErrorCode::location_route_server_only:
      return "location_route_server_only";
    case ErrorCode::review_rule:
      return "review_rule";
    case ErrorCode::unauthenticated:
      return "unauthenticated";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::request_id_conflict:
      return "request_id_conflict";
    case ErrorCode::all_rejected:
      return "all_rejected";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::internal:
      return "internal";
    case ErrorCode::config_invalid:
      return "config_invalid";
    case ErrorCode::data_invalid:
      return "data_invalid";
    case ErrorCode::io_error:
      return "io_error";
    case ErrorCode::store_error:
      return "store_error";
    case ErrorCode::pending_cap:
      return "pending_cap";
  }
  return "internal";
}

std::string join_path(std::string_view parent, std::string_view child) {
  if (parent.empty())
    return std::string(child);
  if (child.empty())
    return std::string(parent);
  std::string out(parent);
  if (child.front() != '[')
    out += '.';
  out += child;
  return out;
}

Error Error::under(std::string_view prefix) const {
  return Error{code, join_path(prefix, field), message};
}

}  // namespace peerapi
