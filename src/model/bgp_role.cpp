#include "model/bgp_role.hpp"

#include <string>

namespace peerapi::model {

Result<BgpRole> bgp_role_from_number(std::int64_t value, std::string_view field) {
  if (value < 0 || value > 4) {
    return fail(ErrorCode::invalid_role, std::string(field),
                "a BGP role is an RFC 9234 code: 0 provider, 1 route server, 2 route-server "
                "client, 3 customer, 4 peer; got " +
                    std::to_string(value));
  }
  return static_cast<BgpRole>(value);
}

std::string_view to_string(BgpRole role) noexcept {
  switch (role) {
    case BgpRole::provider:
      return "provider";
    case BgpRole::route_server:
      return "rs";
    case BgpRole::route_server_client:
      return "rs-client";
    case BgpRole::customer:
      return "customer";
    case BgpRole::peer:
      return "peer";
  }
  return "peer";
}

BgpRole matching_role(BgpRole role) noexcept {
  switch (role) {
    case BgpRole::provider:
      return BgpRole::customer;
    case BgpRole::customer:
      return BgpRole::provider;
    case BgpRole::route_server:
      return BgpRole::route_server_client;
    case BgpRole::route_server_client:
      return BgpRole::route_server;
    case BgpRole::peer:
      return BgpRole::peer;
  }
  return BgpRole::peer;
}

}  // namespace peerapi::model
