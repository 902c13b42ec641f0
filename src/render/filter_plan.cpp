#include "render/filter_plan.hpp"

#include <algorithm>
#include <map>

namespace peerapi::render {

namespace {

template <class Rule>
bool contains(const std::vector<Rule>& rules, Rule rule) {
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

/// The session's IRR ranges of its own family, sorted, without duplicates.
std::vector<model::PrefixRange> family_irr(const SessionInput& session) {
  std::vector<model::PrefixRange> ranges;
  ranges.reserve(session.irr_prefixes.size());
  for (const auto& range : session.irr_prefixes) {
    if (range.prefix.family() == session.family())
      ranges.push_back(range);
  }
  if (!std::is_sorted(ranges.begin(), ranges.end()))
    std::sort(ranges.begin(), ranges.end());
  ranges.erase(std::unique(ranges.begin(), ranges.end()), ranges.end());
  return ranges;
}

}  // namespace

std::string_view rule_comment(InboundRule rule) noexcept {
  switch (rule) {
    case InboundRule::reject_everything:
      return "Peering API monitoring session: the neighbor only collects, accept nothing from it";
    case InboundRule::reject_bogons:
      return "RFC 7454 sections 6.1.1 and 6.1.2.1: not globally routable, or not allocated by "
             "IANA";
    case InboundRule::reject_default_route:
      return "RFC 7454 section 6.1.6: default route";
    case InboundRule::reject_too_specific:
      return "RFC 7454 section 6.1.3: prefix too specific";
    case InboundRule::reject_own_prefixes:
      return "RFC 7454 section 6.1.4: our own prefixes";
    case InboundRule::reject_ixp_lan:
      return "RFC 7454 section 6.1.5: the IXP LAN prefixes";
    case InboundRule::reject_not_in_irr:
      return "RFC 7454 section 6.1.2.2.1: not in the neighbor's IRR prefix list";
    case InboundRule::reject_rpki_invalid:
      return "RFC 7454 section 6.1.2.2.2, RFC 6811: RPKI invalid";
    case InboundRule::reject_private_asn:
      return "RFC 7454 section 9: private or reserved ASN in the AS path";
    case InboundRule::reject_own_asn:
      return "RFC 7454 section 9: our own ASN in the AS path";
    case InboundRule::require_first_as:
      return "RFC 7454 section 9: the first AS must be the neighbor's";
    case InboundRule::require_next_hop:
      return "RFC 7454 section 10: the next hop must be the neighbor's address";
    case InboundRule::scrub_own_communities:
      return "RFC 7454 section 11: remove communities with our ASN in the high-order bits";
    case InboundRule::rpki_not_found_preference:
      return "RFC 7454 section 6.1.2.2.2, RFC 7115: RPKI not-found gets the lower preference";
  }
  return "";
}

std::string_view rule_comment(OutboundRule rule) noexcept {
  switch (rule) {
    case OutboundRule::export_nothing:
      return "RFC 7454 section 6.2.1.2: nothing to announce on this session";
    case OutboundRule::export_announce:
      return "RFC 7454 section 6.2.1.2: announce only the declared prefixes";
    case OutboundRule::reject_bogons:
      return "RFC 7454 sections 6.1.1 and 6.1.2.1: never announce a bogon";
    case OutboundRule::reject_too_specific:
      return "RFC 7454 section 6.1.3: never announce a prefix peers filter as too specific";
  }
  return "";
}

std::string_view to_string(Feature feature) noexcept {
  switch (feature) {
    case Feature::tcp_md5:
      return "tcp_md5";
    case Feature::tcp_ao:
      return "tcp_ao";
    case Feature::gtsm:
      return "gtsm";
    case Feature::max_prefix:
      return "max_prefix";
    case Feature::bgp_role:
      return "bgp_role";
    case Feature::dampening:
      return "dampening";
    case Feature::rpki_rtr:
      return "rpki_rtr";
  }
  return "unknown";
}

bool InboundPlan::has(InboundRule rule) const {
  return contains(rules, rule);
}
bool OutboundPlan::has(OutboundRule rule) const {
  return contains(rules, rule);
}

InboundPlan plan_inbound(const RenderInput& input, const SessionInput& session) {
  const Options& options = input.options;
  const model::IpFamily family = session.family();
  InboundPlan plan;
  plan.max_length = family == model::IpFamily::v4 ? options.max_length_v4 : options.max_length_v6;
  plan.local_preference = options.local_preference;
  plan.not_found_local_preference = options.rpki_not_found_local_preference;
  plan.our_asns = input.our_asns;
  if (session.neighbor.their_monitoring) {
    plan.rules.push_back(InboundRule::reject_everything);
    return plan;
  }
  const auto add = [&](InboundRule rule) { plan.rules.push_back(rule); };
  add(InboundRule::reject_default_route);

  if (!options.own_prefixes.empty()) {
    for (const auto& prefix : options.own_prefixes) {
      if (prefix.family() == family)
        plan.own_prefixes.push_back(prefix);
    }
  } else {
    for (const auto& range : options.announce) {
      if (range.prefix.family() == family)
        plan.own_prefixes.push_back(range.prefix);
    }
  }
  std::sort(plan.own_prefixes.begin(), plan.own_prefixes.end());
  plan.own_prefixes.erase(std::unique(plan.own_prefixes.begin(), plan.own_prefixes.end()),
                          plan.own_prefixes.end());
  if (!plan.own_prefixes.empty())
    add(InboundRule::reject_own_prefixes);

  for (const auto& prefix : session.ixp_lan_prefixes) {
    if (prefix.family() == family)
      plan.ixp_lan.push_back(prefix);
  }
  std::sort(plan.ixp_lan.begin(), plan.ixp_lan.end());
  plan.ixp_lan.erase(std::unique(plan.ixp_lan.begin(), plan.ixp_lan.end()), plan.ixp_lan.end());
  if (!plan.ixp_lan.empty())
    add(InboundRule::reject_ixp_lan);

  add(InboundRule::reject_bogons);
  add(InboundRule::reject_too_specific);

  if (options.mode == FilterMode::strict) {
    plan.irr = family_irr(session);
    add(InboundRule::reject_not_in_irr);
  }
  if (options.rpki)
    add(InboundRule::reject_rpki_invalid);
  add(InboundRule::reject_private_asn);
  if (!plan.our_asns.empty())
    add(InboundRule::reject_own_asn);
  if (session.neighbor.their_insert_asn) {
    add(InboundRule::require_first_as);
    add(InboundRule::require_next_hop);
  }
  if (!plan.our_asns.empty())
    add(InboundRule::scrub_own_communities);
  if (options.rpki)
    add(InboundRule::rpki_not_found_preference);
  return plan;
}

OutboundPlan plan_outbound(const RenderInput& input, const SessionInput& session) {
  const model::IpFamily family = session.family();
  OutboundPlan plan;
  plan.max_length =
      family == model::IpFamily::v4 ? input.options.max_length_v4 : input.options.max_length_v6;
  if (!session.neighbor.our_monitoring) {
    for (const auto& range : input.options.announce) {
      if (range.prefix.family() == family)
        plan.announce.push_back(range);
    }
  }
  std::sort(plan.announce.begin(), plan.announce.end());
  plan.announce.erase(std::unique(plan.announce.begin(), plan.announce.end()), plan.announce.end());
  if (plan.announce.empty()) {
    plan.rules.push_back(OutboundRule::export_nothing);
    return plan;
  }
  plan.rules = {OutboundRule::export_announce, OutboundRule::reject_bogons,
                OutboundRule::reject_too_specific};
  return plan;
}

IrrLists shared_irr_lists(const RenderInput& input, const std::vector<std::string>& names) {
  IrrLists result;
  result.of_session.resize(input.sessions.size());
  if (input.options.mode != FilterMode::strict)
    return result;
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < input.sessions.size(); ++i) {
    const SessionInput& session = input.sessions[i];
    if (session.neighbor.their_monitoring)
      continue;  // reject_everything: no IRR rule
    const bool v4 = session.family() == model::IpFamily::v4;
    const std::string suffix = v4 ? "_v4" : "_v6";
    std::vector<model::PrefixRange> prefixes = family_irr(session);
    std::string name = "as" + std::to_string(session.neighbor.their_asn.value()) + suffix;
    auto found = by_name.find(name);
    if (found != by_name.end() && (result.lists[found->second].prefixes != prefixes ||
                                   result.lists[found->second].irr_object != session.irr_object)) {
      name = names[i] + suffix;  // a list of its own
      found = by_name.find(name);
    }
    if (found == by_name.end()) {
      found = by_name.emplace(name, result.lists.size()).first;
      result.lists.push_back(
          IrrList{name, session.irr_object, session.family(), std::move(prefixes)});
    }
    result.of_session[i] = found->second;
  }
  // Sorted by name; the indexes follow.
  std::vector<std::size_t> order(result.lists.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return result.lists[a].name < result.lists[b].name;
  });
  std::vector<std::size_t> new_index(order.size());
  std::vector<IrrList> sorted;
  sorted.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    new_index[order[i]] = i;
    sorted.push_back(std::move(result.lists[order[i]]));
  }
  result.lists = std::move(sorted);
  for (auto& index : result.of_session) {
    if (index)
      index = new_index[*index];
  }
  return result;
}

std::vector<Feature> wanted_features(const RenderInput& input, const SessionInput& session) {
  std::vector<Feature> features;
  if (session.secret) {
    const bool ao =
        input.options.prefer_tcp_ao && supports(input.daemon, input.version, Feature::tcp_ao);
    features.push_back(ao ? Feature::tcp_ao : Feature::tcp_md5);
  }
  if (input.options.gtsm && session.directly_connected)
    features.push_back(Feature::gtsm);
  features.push_back(Feature::max_prefix);
  if (!session.neighbor.our_monitoring && !session.neighbor.their_monitoring)
    features.push_back(Feature::bgp_role);
  if (input.options.dampening)
    features.push_back(Feature::dampening);
  if (input.options.rpki)
    features.push_back(Feature::rpki_rtr);
  std::sort(features.begin(), features.end());
  return features;
}

bool supports(Daemon daemon, const DaemonVersion& version, Feature feature) noexcept {
  switch (feature) {
    case Feature::tcp_md5:
    case Feature::gtsm:
    case Feature::max_prefix:
    case Feature::rpki_rtr:
      return true;
    case Feature::tcp_ao:
      // BIRD 2.17 and 3.1 brought TCP-AO (3.0 lacks it); FRR and OpenBGPD releases this
      // project renders for have none.
      return daemon == Daemon::bird &&
             ((version >= DaemonVersion{2, 17, 0} && version < DaemonVersion{3, 0, 0}) ||
              version >= DaemonVersion{3, 1, 0});
    case Feature::bgp_role:
      // BIRD 2.0.11, FRR 8.4, OpenBGPD 7.7 (announce policy; "role" from 7.8).
      switch (daemon) {
        case Daemon::bird:
          return version >= DaemonVersion{2, 0, 11};
        case Daemon::frr:
          return version >= DaemonVersion{8, 4, 0};
        case Daemon::openbgpd:
          return version >= DaemonVersion{7, 7, 0};
      }
      return false;
    case Feature::dampening:
      return daemon == Daemon::frr;
  }
  return false;
}

}  // namespace peerapi::render
