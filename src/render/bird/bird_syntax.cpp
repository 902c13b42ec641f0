#include "render/bird/bird_syntax.hpp"

#include <algorithm>

namespace peerapi::render::bird {

using sources::iana::BogonEntry;
using sources::iana::BogonMatch;

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"')
      out += '\'';
    else if (byte < 0x20 || byte == 0x7f)
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string prefix_pattern(const model::PrefixRange& range) {
  const std::string prefix = range.prefix.to_string();
  const int length = range.prefix.length();
  if (range.min_length == length && range.max_length == length)
    return prefix;
  if (range.min_length == length && range.max_length == range.prefix.network().max_length())
    return prefix + "+";
  return prefix + "{" + std::to_string(range.min_length) + "," + std::to_string(range.max_length) +
         "}";
}

std::string bogon_pattern(const BogonEntry& entry) {
  return entry.match == BogonMatch::exact ? entry.prefix.to_string()
                                          : entry.prefix.to_string() + "+";
}

std::string_view role_keyword(model::BgpRole role) noexcept {
  switch (role) {
    case model::BgpRole::provider:
      return "provider";
    case model::BgpRole::route_server:
      return "rs_server";
    case model::BgpRole::route_server_client:
      return "rs_client";
    case model::BgpRole::customer:
      return "customer";
    case model::BgpRole::peer:
      return "peer";
  }
  return "peer";
}

BogonGroups bogon_groups(const sources::iana::BogonSet& set, model::IpFamily family) {
  const bool v4 = family == model::IpFamily::v4;
  const std::vector<BogonEntry>& bogons = v4 ? set.v4 : set.v6;
  BogonGroups groups;
  groups.permits = v4 ? set.v4_permit : set.v6_permit;
  if (!v4)
    groups.allocated = set.v6_allocated;
  for (const BogonEntry& entry : bogons) {
    if (entry.prefix.family() != family)
      continue;
    if (entry.match == BogonMatch::exact) {
      groups.exact.push_back(entry);
      continue;
    }
    const bool shadowed =
        std::any_of(groups.permits.begin(), groups.permits.end(), [&](const BogonEntry& permit) {
          return sources::iana::covers(permit.prefix, entry.prefix);
        });
    (shadowed ? groups.shadowed : groups.bogons).push_back(entry);
  }
  return groups;
}

}  // namespace peerapi::render::bird
