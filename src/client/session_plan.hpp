// What to ask a peer for, from local PeeringDB data: the sessions between our netixlan addresses
// and theirs at each common IX, and a cross-check of the locations the peer's API reports
// against that data. Pure: reads a Snapshot, does no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/wire.hpp"
#include "model/asn.hpp"
#include "model/bgp_role.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "model/location.hpp"
#include "model/session.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::client {

struct PlanRequest {
  model::Asn local_asn;  // us, the initiator
  model::Asn peer_asn;   // the network asked
  /// Restricts the plan to these IXs; empty means every IX where both networks have a port.
  std::vector<model::LocationId> locations{};
  std::optional<model::IpFamily> family{};           // nullopt: IPv4 and IPv6
  model::BgpRole local_role = model::BgpRole::peer;  // the peer's is the matching role (RFC 9234)
  std::optional<model::SessionSecret> secret{};
};

struct SessionPlan {
  std::vector<model::SessionRequest> sessions;
  /// Why an IX or family contributes nothing: "pdb:ix:2: AS64500 has no IPv6 address there".
  std::vector<std::string> notes;
};

/// One session per pair of our address and theirs of the same family at each common IX (every
/// operational port of ours with every operational port of theirs), ordered by IX id, IPv4
/// before IPv6, then port. Errors: not_found at "local_asn"/"peer_asn" when a network has no
/// PeeringDB record; at "locations[i]": private_peering_unsupported for a facility,
/// location_not_common for an IX where the two networks are not both present.
Result<SessionPlan> plan_sessions(const sources::peeringdb::Snapshot& snapshot,
                                  const PlanRequest& request);

/// One location as the peer's API and local PeeringDB each see it.
struct LocationCheck {
  model::LocationId id;
  std::string name{};
  bool from_api = false;    // the peer's GET /locations lists it
  bool from_local = false;  // local PeeringDB has both networks there
  std::vector<model::IpAddress> api_local_ips{}, api_peer_ips{};
  std::vector<model::IpAddress> local_local_ips{}, local_peer_ips{};  // local PeeringDB's view
  /// Human-readable differences; empty when both views agree.
  std::vector<std::string> differences{};
};

/// Every location either side knows, public ones by IX id then private ones by facility id.
/// Addresses are compared as sets; the API's local_ips may include addresses of other ASNs our
/// credentials act for, which are reported as differences too.
std::vector<LocationCheck> compare_locations(const std::vector<RemoteLocation>& from_api,
                                             const sources::peeringdb::Snapshot& snapshot,
                                             model::Asn local_asn, model::Asn peer_asn);

}  // namespace peerapi::client
