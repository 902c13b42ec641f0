// BGP roles (RFC 9234 section 4.1) and the role-pair correctness rule of RFC 9234 section 4.2.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::model {

enum class BgpRole : std::uint8_t {
  provider = 0,
  route_server = 1,
  route_server_client = 2,
  customer = 3,
  peer = 4,
};

Result<BgpRole> bgp_role_from_number(std::int64_t value, std::string_view field);
std::string_view to_string(BgpRole role) noexcept;  // "provider", "rs", ...

/// The only role the other side may have when one side has `role` (RFC 9234 section 4.2 table):
/// provider-customer, rs-rs-client, peer-peer.
BgpRole matching_role(BgpRole role) noexcept;

}  // namespace peerapi::model
