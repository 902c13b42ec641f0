#include "render/openbgpd/openbgpd_syntax.hpp"

#include <algorithm>
#include <utility>

namespace peerapi::render::openbgpd {

namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

}  // namespace

std::string comment_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(is_control(byte) || c == '\\' ? ' ' : c);
  }
  return out;
}

std::string quoted_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (const char c : text) {
    if (c == '"')
      continue;
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(is_control(byte) || c == '\\' ? ' ' : c);
  }
  if (out.size() > max_bytes) {
    std::size_t cut = max_bytes;
    // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut;
    out.resize(cut);
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string prefix_set_entry(const model::PrefixRange& range) {
  const int length = range.prefix.length();
  const int bits = range.prefix.network().max_length();
  std::string entry = range.prefix.to_string();
  if (range.min_length == length && range.max_length == length)
    return entry;
  if (range.min_length == length && range.max_length == bits)
    return entry + " or-longer";
  return entry + " prefixlen " + std::to_string(range.min_length) + " - " +
         std::to_string(range.max_length);
}

std::string or_longer(const model::Prefix& prefix) {
  return prefix.to_string() + " or-longer";
}

std::string_view filter_family(model::IpFamily family) noexcept {
  return family == model::IpFamily::v4 ? "inet" : "inet6";
}

std::string_view announce_family(model::IpFamily family) noexcept {
  return family == model::IpFamily::v4 ? "IPv4" : "IPv6";
}

std::vector<std::string> role_lines(const DaemonVersion& version, model::BgpRole our_role,
                                    bool strict) {
  const std::string role(model::to_string(our_role));  // provider, rs, rs-client, customer, peer
  if (version < DaemonVersion{7, 8, 0})
    return {"announce policy " + role + (strict ? " enforce" : "")};
  std::vector<std::string> lines{"role " + role};
  if (strict)
    lines.emplace_back("announce policy enforce");
  return lines;
}

BogonFilter bogon_filter(const sources::iana::BogonSet& bogons, model::IpFamily family) {
  using sources::iana::BogonEntry;
  using sources::iana::BogonMatch;
  const bool v4 = family == model::IpFamily::v4;
  struct Item {
    const BogonEntry* entry;
    bool mark;
    int layer = 0;
  };
  std::vector<Item> items;
  for (const auto& entry : v4 ? bogons.v4 : bogons.v6)
    items.push_back({&entry, true});
  for (const auto& entry : v4 ? bogons.v4_permit : bogons.v6_permit)
    items.push_back({&entry, false});
  // Shorter prefixes first; at equal length the permit first, so that a bogon entry of the very
  // same prefix (the built-in default route, multicast) wins as BogonSet::check decides.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.entry->prefix.length() != b.entry->prefix.length())
      return a.entry->prefix.length() < b.entry->prefix.length();
    return !a.mark && b.mark;
  });
  // Layers alternate: even layers mark, odd layers unmark. An entry goes to the first layer of
  // its kind after every entry of the other kind that matches a route it matches and that the
  // sort put before it (a shorter covering entry, or the permit of the same prefix); entries
  // that never overlap share a layer. The last matching layer then holds the longest entry.
  int deepest = -1;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Item& item = items[i];
    int after = -1;
    for (std::size_t j = 0; j < i; ++j) {
      const Item& other = items[j];
      const bool overlaps = other.entry->match == BogonMatch::exact
                                ? other.entry->prefix == item.entry->prefix
                                : sources::iana::covers(other.entry->prefix, item.entry->prefix);
      if (other.mark != item.mark && overlaps)
        after = std::max(after, other.layer);
    }
    int layer = item.mark ? 0 : 1;
    while (layer <= after)
      layer += 2;
    item.layer = layer;
    deepest = std::max(deepest, layer);
  }

  BogonFilter filter;
  filter.family = family;
  const std::string suffix = v4 ? "_v4" : "_v6";
  int marks = 0;
  int unmarks = 0;
  for (int layer = 0; layer <= deepest; ++layer) {
    BogonLayer out;
    out.mark = layer % 2 == 0;
    for (const Item& item : items) {
      if (item.layer == layer)
        out.entries.push_back(*item.entry);
    }
    if (out.entries.empty())
      continue;
    const int rank = out.mark ? ++marks : ++unmarks;
    out.set_name = std::string(out.mark ? "peerapi_bogons" : "peerapi_bogon_permits") + suffix +
                   (rank > 1 ? "_" + std::to_string(rank) : std::string());
    // In address order (the BogonSet order) for people reading the set.
    std::stable_sort(out.entries.begin(), out.entries.end(),
                     [](const BogonEntry& a, const BogonEntry& b) {
                       return std::pair(a.prefix, a.match) < std::pair(b.prefix, b.match);
                     });
    filter.layers.push_back(std::move(out));
  }
  if (!v4) {
    filter.allocated_set = "peerapi_v6_allocated";
    filter.allocated = bogons.v6_allocated;
  }
  return filter;
}

}  // namespace peerapi::render::openbgpd
