// IRR and RPKI facts about a requesting network, gathered at the edge from the live sources
// (IRR dumps or IRRd, VRPs) for the pure operator policy (policy/operator_policy.hpp).
#pragma once

#include "model/asn.hpp"
#include "model/error.hpp"
#include "policy/operator_policy.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::server {

class RoutingFacts {
 public:
  RoutingFacts() = default;
  RoutingFacts(const RoutingFacts&) = delete;
  RoutingFacts& operator=(const RoutingFacts&) = delete;
  virtual ~RoutingFacts() = default;

  /// The requester's AS-SET (PeeringDB irr_as_set, else its aut-num "AS<n>") expanded, its IRR
  /// routes counted and, when VRPs are loaded, validated (RFC 6811). `network` is its PeeringDB
  /// record or nullptr. Errors (`unavailable`) say why the IRR could not be consulted; the
  /// policy then holds the session for review. Thread-safe.
  virtual Result<policy::IrrFacts> irr_facts(model::Asn asn,
                                             const sources::peeringdb::Network* network) = 0;
};

}  // namespace peerapi::server
