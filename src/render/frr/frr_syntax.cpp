#include "render/frr/frr_syntax.hpp"

#include <algorithm>

namespace peerapi::render::frr {

namespace {

using sources::iana::BogonEntry;
using sources::iana::BogonMatch;

bool is_v4(model::IpFamily family) {
  return family == model::IpFamily::v4;
}

int bits(model::IpFamily family) {
  return is_v4(family) ? 32 : 128;
}

std::string entry_comment(const BogonEntry& entry) {
  std::string text = one_line(entry.prefix.to_string() + " " + entry.reason);
  if (!entry.rfc_section.empty())
    text += " (" + one_line(entry.rfc_section) + ")";
  return text;
}

BogonListEntry list_entry(const BogonEntry& entry, bool bogon) {
  return BogonListEntry{
      .comment = entry_comment(entry),
      .prefix = entry.match == BogonMatch::exact ? entry.prefix.to_string()
                                                 : or_longer_text(entry.prefix),
      .bogon = bogon,
  };
}

}  // namespace

std::string_view ip_keyword(model::IpFamily family) noexcept {
  return is_v4(family) ? "ip" : "ipv6";
}

std::string_view address_family(model::IpFamily family) noexcept {
  return is_v4(family) ? "ipv4 unicast" : "ipv6 unicast";
}

std::string_view family_suffix(model::IpFamily family) noexcept {
  return is_v4(family) ? "V4" : "V6";
}

std::string_view family_label(model::IpFamily family) noexcept {
  return is_v4(family) ? "IPv4" : "IPv6";
}

std::string range_text(const model::PrefixRange& range) {
  std::string text = range.prefix.to_string();
  const int length = range.prefix.length();
  if (range.min_length > length)
    text += " ge " + std::to_string(range.min_length);
  if (range.max_length > length)
    text += " le " + std::to_string(range.max_length);
  return text;
}

std::string or_longer_text(const model::Prefix& prefix) {
  const int max = bits(prefix.family());
  return range_text(model::PrefixRange{prefix, prefix.length(), max});
}

std::string any_text(model::IpFamily family) {
  return is_v4(family) ? "0.0.0.0/0 le 32" : "::/0 le 128";
}

std::string_view role_keyword(model::BgpRole role) noexcept {
  switch (role) {
    case model::BgpRole::provider:
      return "provider";
    case model::BgpRole::route_server:
      return "rs-server";
    case model::BgpRole::route_server_client:
      return "rs-client";
    case model::BgpRole::customer:
      return "customer";
    case model::BgpRole::peer:
      return "peer";
  }
  return "peer";
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool control = byte < 0x20 || byte == 0x7f;
    if (control || c == ' ') {
      if (!out.empty() && out.back() != ' ')
        out += ' ';
      continue;
    }
    out += c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string number_range_regex(std::uint32_t first, std::uint32_t last) {
  if (first > last)
    return "";
  const std::uint64_t top = last == 0xFFFFFFFFu ? 4299999999ull : last;
  std::vector<std::string> alternatives;
  // Split into runs of equal digit count, then each run into prefix + [a-b] + [0-9]{n}.
  std::uint64_t low = first;
  while (low <= top) {
    std::uint64_t digits_max = 9;
    while (digits_max < low)
      digits_max = digits_max * 10 + 9;
    const std::uint64_t high = std::min(top, digits_max);
    // Cover [low, high] (same digit count) greedily from low upwards: take the largest block
    // low .. low + 10^k - 1 aligned to 10^k that fits, then widen its digit to [a-b].
    std::uint64_t at = low;
    while (at <= high) {
      std::uint64_t step = 1;
      int zeros = 0;
      while (at % (step * 10) == 0 && at + step * 10 - 1 <= high && step * 10 <= at) {
        step *= 10;
        ++zeros;
      }
      // Blocks of size `step` starting at `at`: how many fit before the next multiple of
      // step*10 and before high.
      std::uint64_t count = 1;
      while ((at / step) % 10 + count <= 9 && at + (count + 1) * step - 1 <= high)
        ++count;
      const std::string head = std::to_string(at / step);
      const std::string prefix = head.substr(0, head.size() - 1);
      const char from = head.back();
      const char to = static_cast<char>(from + count - 1);
      std::string pattern = prefix;
      if (from == to)
        pattern += from;
      else
        pattern += std::string("[") + from + "-" + to + "]";
      if (zeros == 1)
        pattern += "[0-9]";
      else if (zeros > 1)
        pattern += "[0-9]{" + std::to_string(zeros) + "}";
      alternatives.push_back(pattern);
      at += count * step;
    }
    low = high + 1;
  }
  std::string out;
  for (const std::string& alternative : alternatives)
    out += (out.empty() ? "" : "|") + alternative;
  return out;
}

std::vector<AsPathPattern> private_asn_patterns() {
  std::vector<AsPathPattern> out;
  for (const AsnRange& range : kPrivateOrReservedAsns) {
    std::string comment;
    switch (range.first) {
      case 0:
        comment = "AS 0 (RFC 7607)";
        break;
      case 23456:
        comment = "AS_TRANS 23456 (RFC 6793)";
        break;
      case 64512:
        comment = "64512-65534 private use (RFC 6996), 65535 reserved (RFC 7300)";
        break;
      case 65552:
        comment = "65552-131071 reserved by IANA";
        break;
      case 4200000000u:
        comment = "4200000000-4294967294 private use (RFC 6996), 4294967295 reserved (RFC 7300)";
        break;
      default:
        comment = std::to_string(range.first) + "-" + std::to_string(range.last);
        break;
    }
    const std::string regex = number_range_regex(range.first, range.last);
    const bool single = regex.find('|') == std::string::npos;
    out.push_back(AsPathPattern{
        .comment = std::move(comment),
        .regex = single ? "_" + regex + "_" : "_(" + regex + ")_",
    });
  }
  return out;
}

std::vector<BogonListEntry> bogon_list(const sources::iana::BogonSet& bogons,
                                       model::IpFamily family) {
  const bool v4 = is_v4(family);
  const std::vector<BogonEntry>& entries = v4 ? bogons.v4 : bogons.v6;
  const std::vector<BogonEntry>& permits = v4 ? bogons.v4_permit : bogons.v6_permit;

  std::vector<BogonListEntry> out;
  for (const BogonEntry& entry : entries) {
    if (entry.match == BogonMatch::exact)
      out.push_back(list_entry(entry, true));
  }

  // Or-longer bogon blocks lying inside (or equal to) a permit must precede it.
  std::vector<const BogonEntry*> nested;
  std::vector<const BogonEntry*> outer;
  for (const BogonEntry& entry : entries) {
    if (entry.match == BogonMatch::exact)
      continue;
    const bool inside_permit =
        std::any_of(permits.begin(), permits.end(), [&](const BogonEntry& permit) {
          return sources::iana::covers(permit.prefix, entry.prefix);
        });
    (inside_permit ? nested : outer).push_back(&entry);
  }

  if (nested.empty()) {
    for (const BogonEntry& permit : permits)
      out.push_back(list_entry(permit, false));
  } else {
    struct Ranked {
      const BogonEntry* entry;
      bool bogon;
    };
    std::vector<Ranked> ranked;
    for (const BogonEntry* entry : nested)
      ranked.push_back({entry, true});
    for (const BogonEntry& permit : permits)
      ranked.push_back({&permit, false});
    std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      if (a.entry->prefix.length() != b.entry->prefix.length())
        return a.entry->prefix.length() > b.entry->prefix.length();
      return a.bogon && !b.bogon;
    });
    for (const Ranked& item : ranked)
      out.push_back(list_entry(*item.entry, item.bogon));
  }

  for (const BogonEntry* entry : outer)
    out.push_back(list_entry(*entry, true));

  if (!v4) {
    bool first = true;
    for (const model::Prefix& block : bogons.v6_allocated) {
      out.push_back(BogonListEntry{
          .comment = first ? "IANA's allocations to the RIRs (RFC 7454 section 6.1.2.1)" : "",
          .prefix = or_longer_text(block),
          .bogon = false,
      });
      first = false;
    }
    out.push_back(BogonListEntry{
        .comment = "everything else is not allocated by IANA (RFC 7454 section 6.1.2.1)",
        .prefix = any_text(family),
        .bogon = true,
    });
  }
  return out;
}

}  // namespace peerapi::render::frr
