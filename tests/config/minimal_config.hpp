// The smallest configuration the parser accepts; config tests add the keys they are about.
#pragma once

#include <string_view>

namespace peerapi::config::testing {

inline constexpr std::string_view kMinimal = R"(
[server]
listen = ["127.0.0.1:8080"]
[network]
asns = [64500]
contact_email = "peering@example.net"
[store]
sqlite = "var/peerapi.db"
[peeringdb]
snapshot_dir = "examples/peeringdb"
)";

}  // namespace peerapi::config::testing
