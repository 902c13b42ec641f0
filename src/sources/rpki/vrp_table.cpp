// Layout (per address family):
//   nodes   the distinct VRP prefixes sorted by (start address, length), each with the index of
//           its nearest enclosing prefix in the set (`parent`, -1 at a root) and the range of its
//           origins (ASN, max length) in `origins`; a sentinel node closes the last range.
//   starts  the nodes' start addresses alone, for the binary search.
//   index   for each value of the address's top kIndexBits bits, the first node whose start has
//           that value or more.
// For a route with address A and length L, let i be the last node with start <= A. Every prefix
// covering the route is i or an ancestor of i: a cover C starts at or before A, so C.start <=
// i.start <= A, and i starts inside C, hence lies inside C (prefixes nest or are disjoint).
// Walking parents from i therefore reaches the most specific cover first, and every ancestor of a
// cover is a cover: the chain from there to the root is exactly the covering set.
#include "sources/rpki/vrp_table.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace peerapi::sources::rpki {

namespace {

__extension__ typedef unsigned __int128 Uint128;

template <class Key>
constexpr int kKeyBits = static_cast<int>(sizeof(Key) * 8);

/// A network mask of `length` leading one bits.
template <class Key>
constexpr Key prefix_mask(int length) noexcept {
  return length == 0 ? Key{0} : static_cast<Key>(~Key{0} << (kKeyBits<Key> - length));
}

template <class Key>
Key load_key(const std::uint8_t* bytes) noexcept {
  Key key = 0;
  for (std::size_t i = 0; i < sizeof(Key); ++i)
    key = static_cast<Key>((key << 8) | bytes[i]);
  return key;
}

template <class Key>
void store_key(Key key, std::uint8_t* bytes) noexcept {
  for (std::size_t i = sizeof(Key); i-- > 0;) {
    bytes[i] = static_cast<std::uint8_t>(key);
    key = static_cast<Key>(key >> 8);
  }
}

template <class Key>
struct Entry {
  Key start;
  std::uint32_t asn;
  std::uint8_t length;
  std::uint8_t max_length;

  friend bool operator<(const Entry& a, const Entry& b) noexcept {
    if (a.start != b.start)
      return a.start < b.start;
    if (a.length != b.length)
      return a.length < b.length;
    if (a.asn != b.asn)
      return a.asn < b.asn;
    return a.max_length < b.max_length;
  }
  friend bool operator==(const Entry& a, const Entry& b) noexcept {
    return a.start == b.start && a.length == b.length && a.asn == b.asn &&
           a.max_length == b.max_length;
  }
};

struct Origin {
  std::uint32_t asn;
  std::uint8_t max_length;
};

template <class Key, int kIndexBits>
class FamilyIndex {
 public:
  struct Node {
    Key start;
    std::uint32_t first_origin;
    std::int32_t parent;
    std::uint8_t length;
  };

  /// `entries` must be sorted and free of duplicates.
  void build(const std::vector<Entry<Key>>& entries) {
    nodes_.clear();
    origins_.clear();
    origins_.reserve(entries.size());
    std::vector<std::int32_t> stack;
    for (const auto& entry : entries) {
      if (nodes_.empty() || nodes_.back().start != entry.start ||
          nodes_.back().length != entry.length) {
        while (!stack.empty() && !contains(nodes_[static_cast<std::size_t>(stack.back())],
                                           entry.start, entry.length)) {
          stack.pop_back();
        }
        const auto self = static_cast<std::int32_t>(nodes_.size());
        nodes_.push_back(Node{entry.start, static_cast<std::uint32_t>(origins_.size()),
                              stack.empty() ? -1 : stack.back(), entry.length});
        stack.push_back(self);
      }
      origins_.push_back(Origin{entry.asn, entry.max_length});
    }
    starts_.resize(nodes_.size());
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      starts_[i] = nodes_[i].start;
    nodes_.push_back(Node{Key{0}, static_cast<std::uint32_t>(origins_.size()), -1, 0});
    nodes_.shrink_to_fit();
    index_.clear();
    if (starts_.empty())
      return;
    index_.assign((std::size_t{1} << kIndexBits) + 1, 0);
    std::size_t node = 0;
    for (std::size_t bucket = 0; bucket < index_.size(); ++bucket) {
      while (node < starts_.size() && bucket_of(starts_[node]) < bucket)
        ++node;
      index_[bucket] = static_cast<std::uint32_t>(node);
    }
  }

  RovState validate(Key address, int length, std::uint32_t origin) const noexcept {
    std::int64_t i = most_specific_cover(address, length);
    if (i < 0)
      return RovState::not_found;
    // `origin` comes from a model::Asn and is never 0, so an AS0 VRP cannot match it.
    do {
      const Node& node = nodes_[static_cast<std::size_t>(i)];
      const std::uint32_t end = nodes_[static_cast<std::size_t>(i) + 1].first_origin;
      for (std::uint32_t o = node.first_origin; o < end; ++o) {
        if (origins_[o].asn == origin && origins_[o].max_length >= length)
          return RovState::valid;
      }
      i = node.parent;
    } while (i >= 0);
    return RovState::invalid;
  }

  template <class Visit>
  void for_each_cover(Key address, int length, Visit&& visit) const {
    for (std::int64_t i = most_specific_cover(address, length); i >= 0;
         i = nodes_[static_cast<std::size_t>(i)].parent) {
      const Node& node = nodes_[static_cast<std::size_t>(i)];
      const std::uint32_t end = nodes_[static_cast<std::size_t>(i) + 1].first_origin;
      for (std::uint32_t o = node.first_origin; o < end; ++o)
        visit(node.start, node.length, origins_[o]);
    }
  }

  template <class Visit>
  void for_each(Visit&& visit) const {
    for (std::size_t i = 0; i + 1 < nodes_.size(); ++i) {
      for (std::uint32_t o = nodes_[i].first_origin; o < nodes_[i + 1].first_origin; ++o)
        visit(nodes_[i].start, nodes_[i].length, origins_[o]);
    }
  }

  [[nodiscard]] std::size_t vrp_count() const noexcept { return origins_.size(); }
  [[nodiscard]] std::size_t prefix_count() const noexcept { return starts_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(Node) + origins_.capacity() * sizeof(Origin) +
           starts_.capacity() * sizeof(Key) + index_.capacity() * sizeof(std::uint32_t);
  }

 private:
  static std::size_t bucket_of(Key address) noexcept {
    return static_cast<std::size_t>(address >> (kKeyBits<Key> - kIndexBits));
  }

  /// True when prefix `node` contains the prefix (start, length).
  static bool contains(const Node& node, Key start, int length) noexcept {
    return node.length <= length && ((start ^ node.start) & prefix_mask<Key>(node.length)) == 0;
  }

  /// The most specific node covering (address, length), or -1.
  std::int64_t most_specific_cover(Key address, int length) const noexcept {
    if (starts_.empty())
      return -1;
    const std::size_t bucket = bucket_of(address);
    // The last start <= address: a branchless upper bound within the bucket, falling back to
    // the last node of earlier buckets when the bucket has none.
    const Key* base = starts_.data() + index_[bucket];
    std::size_t count = index_[bucket + 1] - index_[bucket];
    while (count > 1) {
      const std::size_t half = count / 2;
      base = base[half - 1] <= address ? base + half : base;
      count -= half;
    }
    const Key* upper = base + (count == 1 && *base <= address ? 1 : 0);
    std::int64_t i = (upper - starts_.data()) - 1;
    while (i >= 0) {
      const Node& node = nodes_[static_cast<std::size_t>(i)];
      if (contains(node, address, length))
        return i;
      i = node.parent;
    }
    return -1;
  }

  std::vector<Node> nodes_;
  std::vector<Origin> origins_;
  std::vector<Key> starts_;
  std::vector<std::uint32_t> index_;
};

}  // namespace

struct VrpTable::Impl {
  FamilyIndex<std::uint32_t, 16> v4;
  FamilyIndex<Uint128, 16> v6;
};

VrpTable::VrpTable(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VrpTable::~VrpTable() = default;

std::shared_ptr<const VrpTable> VrpTable::build(std::vector<VrpRecord> records) {
  std::vector<Entry<std::uint32_t>> v4;
  std::vector<Entry<Uint128>> v6;
  for (const auto& record : records) {
    if (record.family == model::IpFamily::v4) {
      v4.push_back({load_key<std::uint32_t>(record.address.data()), record.asn,
                    record.prefix_length, record.max_length});
    } else {
      v6.push_back({load_key<Uint128>(record.address.data()), record.asn, record.prefix_length,
                    record.max_length});
    }
  }
  records.clear();
  records.shrink_to_fit();
  std::sort(v4.begin(), v4.end());
  v4.erase(std::unique(v4.begin(), v4.end()), v4.end());
  std::sort(v6.begin(), v6.end());
  v6.erase(std::unique(v6.begin(), v6.end()), v6.end());
  auto impl = std::make_unique<Impl>();
  impl->v4.build(v4);
  impl->v6.build(v6);
  return std::shared_ptr<const VrpTable>(new VrpTable(std::move(impl)));
}

std::shared_ptr<const VrpTable> VrpTable::build(std::vector<Vrp> vrps) {
  std::vector<VrpRecord> records;
  records.reserve(vrps.size());
  for (const auto& vrp : vrps) {
    if (vrp.valid())
      records.push_back(to_record(vrp));
  }
  vrps.clear();
  vrps.shrink_to_fit();
  return build(std::move(records));
}

std::shared_ptr<const VrpTable> VrpTable::empty() {
  return build(std::vector<VrpRecord>{});
}

RovState VrpTable::validate(const model::Prefix& route, model::Asn origin) const noexcept {
  const auto& bytes = route.network().bytes();
  if (route.family() == model::IpFamily::v4)
    return impl_->v4.validate(load_key<std::uint32_t>(bytes.data()), route.length(),
                              origin.value());
  return impl_->v6.validate(load_key<Uint128>(bytes.data()), route.length(), origin.value());
}

std::vector<Vrp> VrpTable::covering(const model::Prefix& route) const {
  std::vector<VrpRecord> found;
  const auto& bytes = route.network().bytes();
  const auto family = route.family();
  const auto collect = [&found, family](auto start, std::uint8_t length, const Origin& origin) {
    VrpRecord record;
    record.family = family;
    record.prefix_length = length;
    record.max_length = origin.max_length;
    record.asn = origin.asn;
    store_key(start, record.address.data());
    found.push_back(record);
  };
  if (family == model::IpFamily::v4)
    impl_->v4.for_each_cover(load_key<std::uint32_t>(bytes.data()), route.length(), collect);
  else
    impl_->v6.for_each_cover(load_key<Uint128>(bytes.data()), route.length(), collect);
  std::vector<Vrp> out;
  out.reserve(found.size());
  for (const auto& record : found)
    out.push_back(to_vrp(record));
  return out;
}

std::size_t VrpTable::ipv4_count() const noexcept {
  return impl_->v4.vrp_count();
}
std::size_t VrpTable::ipv6_count() const noexcept {
  return impl_->v6.vrp_count();
}
std::size_t VrpTable::ipv4_prefix_count() const noexcept {
  return impl_->v4.prefix_count();
}
std::size_t VrpTable::ipv6_prefix_count() const noexcept {
  return impl_->v6.prefix_count();
}
std::size_t VrpTable::memory_bytes() const noexcept {
  return sizeof(VrpTable) + sizeof(Impl) + impl_->v4.memory_bytes() + impl_->v6.memory_bytes();
}

std::vector<VrpRecord> VrpTable::records() const {
  std::vector<VrpRecord> out;
  out.reserve(size());
  const auto add = [&out](model::IpFamily family) {
    return [&out, family](auto start, std::uint8_t length, const Origin& origin) {
      VrpRecord record;
      record.family = family;
      record.prefix_length = length;
      record.max_length = origin.max_length;
      record.asn = origin.asn;
      store_key(start, record.address.data());
      out.push_back(record);
    };
  };
  impl_->v4.for_each(add(model::IpFamily::v4));
  impl_->v6.for_each(add(model::IpFamily::v6));
  return out;
}

std::vector<Vrp> VrpTable::vrps() const {
  std::vector<Vrp> out;
  out.reserve(size());
  for (const auto& record : records())
    out.push_back(to_vrp(record));
  return out;
}

}  // namespace peerapi::sources::rpki
