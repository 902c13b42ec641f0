#include "sources/irr/aggregate.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace peerapi::sources::irr {

namespace {

// An address left-aligned in 128 bits: IPv4 in the top 32 bits, so one set of bit operations
// serves both families.
__extension__ typedef unsigned __int128 U128;

U128 bits_of(const model::IpAddress& address) {
  U128 value = 0;
  for (const std::uint8_t byte : address.bytes())
    value = (value << 8) | byte;
  return value;
}

/// The bit that tells the two halves of a length-`length` block apart (length >= 1).
U128 split_bit(int length) {
  return U128{1} << (128 - length);
}

model::Prefix make_prefix(model::IpFamily family, U128 value, int length) {
  std::array<std::uint8_t, 16> bytes{};
  for (int i = 15; i >= 0; --i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value & 0xff);
    value >>= 8;
  }
  char text[INET6_ADDRSTRLEN + 4];
  const int af = family == model::IpFamily::v4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), text, INET6_ADDRSTRLEN) == nullptr)
    __builtin_trap();  // 16 bytes always format
  std::string prefix_text(text);
  prefix_text += '/';
  prefix_text += std::to_string(length);
  auto prefix = model::Prefix::parse(prefix_text);
  if (!prefix)
    __builtin_trap();  // built from a masked block, so always a valid prefix
  return *prefix;
}

/// An aligned block of the address space at some prefix length, and the input prefix it is
/// (when it was not merged) so that prefix is reused instead of rebuilt.
struct Block {
  U128 value;
  int length;
  const model::Prefix* original;
};

/// Block `block` holds every length-`level` prefix inside it.
struct Entry {
  U128 value;
  int length;
  int level;
  const model::Prefix* original;
};

void aggregate_family(const std::vector<model::Prefix>& sorted, std::size_t begin, std::size_t end,
                      std::vector<PrefixRange>& out) {
  if (begin == end)
    return;
  const model::IpFamily family = sorted[begin].family();
  std::vector<Block> items;
  items.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i)
    items.push_back(Block{bits_of(sorted[i].network()), sorted[i].length(), &sorted[i]});
  std::stable_sort(items.begin(), items.end(),
                   [](const Block& a, const Block& b) { return a.length < b.length; });

  std::vector<Entry> entries;
  entries.reserve(items.size());
  std::vector<Block> stack;
  for (std::size_t i = 0; i < items.size();) {
    const int level = items[i].length;
    stack.clear();
    // Items of one length arrive in address order and are disjoint: a block can only merge
    // with the block just below it on the stack (its left sibling).
    for (; i < items.size() && items[i].length == level; ++i) {
      stack.push_back(items[i]);
      while (stack.size() >= 2) {
        const Block& right = stack[stack.size() - 1];
        const Block& left = stack[stack.size() - 2];
        if (right.length != left.length || right.length == 0)
          break;
        const U128 bit = split_bit(right.length);
        if ((left.value & bit) != 0 || (left.value | bit) != right.value)
          break;
        const Block parent{left.value, left.length - 1, nullptr};
        stack.pop_back();
        stack.back() = parent;
      }
    }
    for (const Block& block : stack)
      entries.push_back(Entry{block.value, block.length, level, block.original});
  }

  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.value != b.value)
      return a.value < b.value;
    if (a.length != b.length)
      return a.length < b.length;
    return a.level < b.level;
  });
  for (std::size_t i = 0; i < entries.size();) {
    std::size_t j = i + 1;
    while (j < entries.size() && entries[j].value == entries[i].value &&
           entries[j].length == entries[i].length && entries[j].level == entries[j - 1].level + 1)
      ++j;
    const Entry& first = entries[i];
    const model::Prefix prefix = first.original != nullptr
                                     ? *first.original
                                     : make_prefix(family, first.value, first.length);
    out.push_back(PrefixRange{prefix, first.level, entries[j - 1].level});
    i = j;
  }
}

}  // namespace

std::vector<PrefixRange> aggregate(std::vector<model::Prefix> prefixes) {
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  const auto first_v6 = std::find_if(prefixes.begin(), prefixes.end(), [](const model::Prefix& p) {
    return p.family() == model::IpFamily::v6;
  });
  const auto split = static_cast<std::size_t>(first_v6 - prefixes.begin());
  std::vector<PrefixRange> out;
  out.reserve(prefixes.size());
  aggregate_family(prefixes, 0, split, out);
  aggregate_family(prefixes, split, prefixes.size(), out);
  return out;
}

}  // namespace peerapi::sources::irr
