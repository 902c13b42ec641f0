#include "sources/peeringdb/snapshot.hpp"

#include <algorithm>

#include "sources/peeringdb/snapshot_data.hpp"

namespace peerapi::sources::peeringdb {

namespace {

using detail::find_by_id;

/// The elements of `sorted` whose projection equals `key`, as [first, last).
template <class T, class Key, class Projection>
std::pair<typename std::vector<T>::const_iterator, typename std::vector<T>::const_iterator>
equal_range_by(const std::vector<T>& sorted, const Key& key, Projection projection) {
  const auto first =
      std::lower_bound(sorted.begin(), sorted.end(), key,
                       [&](const T& item, const Key& wanted) { return projection(item) < wanted; });
  const auto last =
      std::upper_bound(first, sorted.end(), key,
                       [&](const Key& wanted, const T& item) { return wanted < projection(item); });
  return {first, last};
}

}  // namespace

std::size_t ImportReport::total_loaded() const {
  std::size_t total = 0;
  for (const auto& [type, counts] : types)
    total += counts.loaded;
  return total;
}

const Network* Snapshot::network_by_asn(model::Asn asn) const {
  if (!data_)
    return nullptr;
  const auto& index = data_->network_index_by_asn;
  const auto it = std::lower_bound(index.begin(), index.end(), asn.value(),
                                   [](const std::pair<std::uint32_t, std::size_t>& entry,
                                      std::uint32_t key) { return entry.first < key; });
  if (it == index.end() || it->first != asn.value())
    return nullptr;
  return &data_->networks[it->second];
}

const Network* Snapshot::network(std::uint32_t net_id) const {
  return data_ ? find_by_id(data_->networks, net_id) : nullptr;
}

const Organization* Snapshot::organization(std::uint32_t org_id) const {
  return data_ ? find_by_id(data_->organizations, org_id) : nullptr;
}

const InternetExchange* Snapshot::exchange(std::uint32_t ix_id) const {
  return data_ ? find_by_id(data_->exchanges, ix_id) : nullptr;
}

const IxLan* Snapshot::ixlan(std::uint32_t ixlan_id) const {
  return data_ ? find_by_id(data_->ixlans, ixlan_id) : nullptr;
}

const Facility* Snapshot::facility(std::uint32_t fac_id) const {
  return data_ ? find_by_id(data_->facilities, fac_id) : nullptr;
}

std::vector<const NetIxLan*> Snapshot::ports(model::Asn asn, std::uint32_t ix_id) const {
  std::vector<const NetIxLan*> result;
  if (!data_)
    return result;
  const auto [first, last] =
      equal_range_by(data_->ports, std::pair{asn.value(), ix_id}, [](const NetIxLan& port) {
        return std::pair{port.asn.value(), port.ix_id};
      });
  for (auto it = first; it != last; ++it)
    result.push_back(&*it);
  return result;
}

std::vector<std::uint32_t> Snapshot::exchanges_of(model::Asn asn) const {
  std::vector<std::uint32_t> result;
  if (!data_)
    return result;
  const auto [first, last] = equal_range_by(data_->ports, asn.value(),
                                            [](const NetIxLan& port) { return port.asn.value(); });
  for (auto it = first; it != last; ++it) {
    if (result.empty() || result.back() != it->ix_id)
      result.push_back(it->ix_id);
  }
  return result;
}

std::vector<std::uint32_t> Snapshot::facilities_of(model::Asn asn) const {
  std::vector<std::uint32_t> result;
  if (!data_)
    return result;
  const auto [first, last] =
      equal_range_by(data_->presences, asn.value(),
                     [](const NetFac& presence) { return presence.local_asn.value(); });
  for (auto it = first; it != last; ++it) {
    if (result.empty() || result.back() != it->fac_id)
      result.push_back(it->fac_id);
  }
  return result;
}

std::vector<model::Prefix> Snapshot::ixlan_prefixes(std::uint32_t ixlan_id) const {
  std::vector<model::Prefix> result;
  if (!data_)
    return result;
  const auto [first, last] = equal_range_by(data_->prefixes, ixlan_id,
                                            [](const IxPrefix& prefix) { return prefix.ixlan_id; });
  for (auto it = first; it != last; ++it)
    result.push_back(it->prefix);
  return result;
}

std::vector<const Contact*> Snapshot::contacts(model::Asn asn) const {
  std::vector<const Contact*> result;
  const Network* network = network_by_asn(asn);
  if (network == nullptr)
    return result;
  const auto [first, last] = equal_range_by(data_->contacts, network->id,
                                            [](const Contact& contact) { return contact.net_id; });
  for (auto it = first; it != last; ++it)
    result.push_back(&*it);
  return result;
}

std::vector<std::uint32_t> Snapshot::ixlans_of(std::uint32_t ix_id) const {
  std::vector<std::uint32_t> result;
  if (!data_)
    return result;
  const auto [first, last] = equal_range_by(
      data_->ixlan_ids_by_exchange, ix_id,
      [](const std::pair<std::uint32_t, std::uint32_t>& entry) { return entry.first; });
  for (auto it = first; it != last; ++it)
    result.push_back(it->second);
  return result;
}

std::size_t Snapshot::network_count() const {
  return data_ ? data_->networks.size() : 0;
}

std::size_t Snapshot::exchange_count() const {
  return data_ ? data_->exchanges.size() : 0;
}

std::size_t Snapshot::facility_count() const {
  return data_ ? data_->facilities.size() : 0;
}

std::size_t Snapshot::port_count() const {
  return data_ ? data_->ports.size() : 0;
}

}  // namespace peerapi::sources::peeringdb
