// An immutable, indexed set of VRPs answering route origin validation (RFC 6811 section 2).
// Built once, shared as `std::shared_ptr<const VrpTable>`; a refresh builds a new table and swaps
// the pointer. Safe to query from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/asn.hpp"
#include "model/ip.hpp"
#include "sources/rpki/vrp.hpp"

namespace peerapi::sources::rpki {

class VrpTable {
 public:
  /// A table of `vrps` with duplicates removed. Entries failing `Vrp::valid()` are dropped (the
  /// loaders never produce them).
  static std::shared_ptr<const VrpTable> build(std::vector<Vrp> vrps);
  /// The same from compact records (the RTR client's form); duplicates removed.
  static std::shared_ptr<const VrpTable> build(std::vector<VrpRecord> records);
  /// A table with no VRPs: every route is not-found.
  static std::shared_ptr<const VrpTable> empty();

  /// RFC 6811 section 2: a VRP covers the route when its prefix contains the route's prefix (same
  /// family, VRP length <= route length). The route is valid when a covering VRP has the route's
  /// origin AS and a max length >= the route length, invalid when it is covered but no covering
  /// VRP matches, not-found when nothing covers it. AS0 VRPs cover but never match (RFC 6483
  /// section 4). Costs one index read, a short binary search and a walk up the covering chain.
  [[nodiscard]] RovState validate(const model::Prefix& route, model::Asn origin) const noexcept;

  /// The VRPs covering `route`, most specific prefix first (ties by ASN, then max length).
  [[nodiscard]] std::vector<Vrp> covering(const model::Prefix& route) const;

  [[nodiscard]] std::size_t size() const noexcept { return ipv4_count() + ipv6_count(); }
  [[nodiscard]] std::size_t ipv4_count() const noexcept;
  [[nodiscard]] std::size_t ipv6_count() const noexcept;
  /// Distinct VRP prefixes (the index nodes) per family.
  [[nodiscard]] std::size_t ipv4_prefix_count() const noexcept;
  [[nodiscard]] std::size_t ipv6_prefix_count() const noexcept;
  /// Heap bytes held by the table's arrays.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

  /// Every VRP, sorted by family, address, prefix length, ASN and max length.
  [[nodiscard]] std::vector<VrpRecord> records() const;
  [[nodiscard]] std::vector<Vrp> vrps() const;

  VrpTable(const VrpTable&) = delete;
  VrpTable& operator=(const VrpTable&) = delete;
  ~VrpTable();

  struct Impl;

 private:
  explicit VrpTable(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace peerapi::sources::rpki
