#include "render/filter_plan.hpp"

#include <algorithm>

namespace peerapi::render {

namespace {

template <class Rule>
bool contains(const std::vector<Rule>& rules, Rule rule) {
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
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
    for (const auto& range : session.irr_prefixes) {
      if (range.prefix.family() == family)
        plan.irr.push_back(range);
    }
    std::sort(plan.irr.begin(), plan.irr.end());
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
