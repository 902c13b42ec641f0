// The storage behind Snapshot: one vector per object type, each sorted for the queries it
// serves, so every lookup is a binary search. Internal to sources/peeringdb.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::sources::peeringdb {

struct Snapshot::Data {
  std::vector<Organization> organizations;  // by id
  std::vector<Network> networks;            // by id
  /// (ASN, index into `networks`), by ASN; ASNs are unique.
  std::vector<std::pair<std::uint32_t, std::size_t>> network_index_by_asn;
  std::vector<InternetExchange> exchanges;  // by id
  std::vector<Facility> facilities;         // by id
  std::vector<IxLan> ixlans;                // by id
  /// (ix id, ixlan id), ascending.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ixlan_ids_by_exchange;
  std::vector<IxPrefix> prefixes;  // by (ixlan_id, prefix)
  std::vector<NetIxLan> ports;     // by (asn, ix_id, id)
  std::vector<NetFac> presences;   // by (local_asn, fac_id, id); local_asn is the net's ASN
  std::vector<Contact> contacts;   // by (net_id, id)
};

namespace detail {

/// The element of `sorted_by_id` (ascending `id`) with `id`, or nullptr.
template <class T>
const T* find_by_id(const std::vector<T>& sorted_by_id, std::uint32_t id) {
  const auto it = std::lower_bound(sorted_by_id.begin(), sorted_by_id.end(), id,
                                   [](const T& item, std::uint32_t key) { return item.id < key; });
  return it != sorted_by_id.end() && it->id == id ? &*it : nullptr;
}

}  // namespace detail

}  // namespace peerapi::sources::peeringdb
