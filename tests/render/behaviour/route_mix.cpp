#include "render/behaviour/route_mix.hpp"

#include <algorithm>
// Boost.JSON header-only: this is the one translation unit of the binary that compiles it.
#include <boost/json/src.hpp>
#include <stdexcept>

#include "render/render_cases.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::behaviour {

namespace {

using render::InboundRule;
using namespace peerapi::testing::render_cases;

MixRoute accepted(std::string prefix, Rov rov, std::string why,
                  std::vector<std::string> communities = {}) {
  return MixRoute{
      .prefix = std::move(prefix),
      .path = {kTheirAsn},
      .next_hop = "",
      .communities = std::move(communities),
      .verdict = Verdict::accepted,
      .rule = std::nullopt,
      .also_breaks = {},
      .rov = rov,
      .why = std::move(why),
  };
}

MixRoute filtered(std::string prefix, InboundRule rule, std::string why,
                  std::vector<std::uint32_t> path = {kTheirAsn}, std::string next_hop = "",
                  Rov rov = Rov::not_found) {
  return MixRoute{
      .prefix = std::move(prefix),
      .path = std::move(path),
      .next_hop = std::move(next_hop),
      .communities = {},
      .verdict = Verdict::filtered,
      .rule = rule,
      .also_breaks = {},
      .rov = rov,
      .why = std::move(why),
  };
}

MixRoute looped(std::string prefix, std::string why) {
  MixRoute route = filtered(std::move(prefix), InboundRule::reject_own_asn, std::move(why),
                            {kTheirAsn, kOurAsn});
  route.verdict = Verdict::loop;
  return route;
}

std::vector<MixRoute> make_mix() {
  // IRR (strict mode) lists, see behaviour_input: v4 0.0.0.0/0, 10.1.0.0/16, 100.64.1.0/24,
  // 192.0.2.0/24{24,27}, 198.51.100.0/24{25,28}, 203.0.113.0/25{25,27}; v6 ::/0, fc00:1::/48,
  // 4000:1::/48, 2001:db8:100::/40{40,56}, 2001:db8:ffff::/48. ROAs: data/vrps.json.
  const std::uint32_t private_asn = 64512;  // RFC 6996
  const std::uint32_t other_asn = 64502;
  return {
      accepted("198.51.100.0/25", Rov::valid, "good, RPKI valid"),
      accepted("198.51.100.32/27", Rov::valid,
               "good, RPKI valid, carries communities of ours (scrubbed) and of theirs (kept)",
               {"64500:123", "64501:7", "64496:7", "64500:1:2", "64501:1:2"}),
      accepted("203.0.113.0/27", Rov::not_found, "good, RPKI not found: lower preference"),
      filtered("10.1.0.0/16", InboundRule::reject_bogons, "RFC 1918 private use"),
      filtered("100.64.1.0/24", InboundRule::reject_bogons, "RFC 6598 shared address space"),
      filtered("0.0.0.0/0", InboundRule::reject_default_route, "default route"),
      filtered("198.51.100.128/28", InboundRule::reject_too_specific,
               "/28, longer than max_length_v4 27, allowed by the IRR range"),
      filtered("198.51.100.224/27", InboundRule::reject_own_prefixes, "our announced prefix"),
      filtered("192.0.2.0/24", InboundRule::reject_ixp_lan, "the IXP LAN itself"),
      filtered("192.0.2.128/25", InboundRule::reject_ixp_lan, "more specific of the IXP LAN"),
      filtered("203.0.113.128/27", InboundRule::reject_not_in_irr, "outside the IRR list"),
      filtered("203.0.113.96/27", InboundRule::reject_rpki_invalid,
               "RPKI invalid: the ROA names AS64999", {kTheirAsn}, "", Rov::invalid),
      filtered("198.51.100.160/27", InboundRule::reject_private_asn, "private ASN in the path",
               {kTheirAsn, private_asn}),
      filtered("198.51.100.192/27", InboundRule::reject_own_asn, "our second ASN 64496 in the path",
               {kTheirAsn, kOurOtherAsn}),
      filtered("203.0.113.32/27", InboundRule::require_first_as,
               "first AS 64502 is not the neighbor's", {other_asn, kTheirAsn}),
      filtered("203.0.113.64/27", InboundRule::require_next_hop,
               "next hop 192.0.2.99 is a third router on the LAN", {kTheirAsn}, kForeignV4),
      looped("203.0.113.0/26", "our router's own ASN 64500 in the path"),

      accepted("2001:db8:100::/48", Rov::valid, "good, RPKI valid"),
      accepted("2001:db8:101::/48", Rov::valid,
               "good, RPKI valid, carries communities of ours (scrubbed) and of theirs (kept)",
               {"64500:123", "64501:7", "64496:7", "64500:1:2", "64501:1:2"}),
      accepted("2001:db8:180::/48", Rov::not_found, "good, RPKI not found: lower preference"),
      filtered("fc00:1::/48", InboundRule::reject_bogons, "RFC 4193 unique local"),
      filtered("4000:1::/48", InboundRule::reject_bogons, "not allocated by IANA to an RIR"),
      [] {
        MixRoute route = filtered("::/0", InboundRule::reject_default_route, "default route");
        route.also_breaks = {InboundRule::reject_bogons};
        return route;
      }(),
      filtered("2001:db8:180::/56", InboundRule::reject_too_specific,
               "/56, longer than /48, allowed by the IRR range"),
      filtered("2001:db8:1fe::/48", InboundRule::reject_own_prefixes, "our announced prefix"),
      filtered("2001:db8:ffff::/48", InboundRule::reject_ixp_lan, "the IXP LAN"),
      filtered("2001:db8:300::/48", InboundRule::reject_not_in_irr, "outside the IRR list"),
      filtered("2001:db8:1ff::/48", InboundRule::reject_rpki_invalid,
               "RPKI invalid: the ROA names AS64999", {kTheirAsn}, "", Rov::invalid),
      filtered("2001:db8:181::/48", InboundRule::reject_private_asn, "private ASN in the path",
               {kTheirAsn, private_asn}),
      filtered("2001:db8:182::/48", InboundRule::reject_own_asn, "our second ASN 64496 in the path",
               {kTheirAsn, kOurOtherAsn}),
      filtered("2001:db8:183::/48", InboundRule::require_first_as,
               "first AS 64502 is not the neighbor's", {other_asn, kTheirAsn}),
      filtered("2001:db8:184::/48", InboundRule::require_next_hop,
               "next hop 2001:db8:ffff::99 is a third router on the LAN", {kTheirAsn}, kForeignV6),
      looped("2001:db8:185::/48", "our router's own ASN 64500 in the path"),
  };
}

bool is_private_or_reserved(std::uint32_t value) {
  const auto asn = model::Asn::from_number(value);
  return !asn || asn->is_private();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

bool is_large(const std::string& community) {
  return std::count(community.begin(), community.end(), ':') == 2;
}

std::uint32_t high_order(const std::string& community) {
  return static_cast<std::uint32_t>(std::stoul(community.substr(0, community.find(':'))));
}

}  // namespace

std::string_view to_string(Rov rov) {
  switch (rov) {
    case Rov::valid:
      return "valid";
    case Rov::invalid:
      return "invalid";
    case Rov::not_found:
      return "not found";
  }
  return "?";
}

model::Prefix MixRoute::parsed() const {
  return ok(model::Prefix::parse(prefix));
}

std::vector<std::string> MixRoute::kept_communities(bool large) const {
  std::vector<std::string> kept;
  for (const auto& community : communities) {
    const std::uint32_t asn = high_order(community);
    if (is_large(community) == large && asn != kOurAsn && asn != kOurOtherAsn)
      kept.push_back(community);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

const std::vector<MixRoute>& route_mix() {
  static const std::vector<MixRoute> mix = make_mix();
  return mix;
}

std::vector<MixRoute> route_mix(model::IpFamily family) {
  std::vector<MixRoute> result;
  for (const auto& route : route_mix()) {
    if (route.family() == family)
      result.push_back(route);
  }
  return result;
}

sources::iana::BogonSet documentation_usable(const sources::iana::BogonSet& shipped) {
  using sources::iana::BogonEntry;
  using sources::iana::BogonMatch;
  sources::iana::BogonSet bogons = shipped;
  const std::vector<model::Prefix> documentation = {
      prefix("192.0.2.0/24"), prefix("198.51.100.0/24"), prefix("203.0.113.0/24"),
      prefix("2001:db8::/32")};
  const auto is_documentation = [&](const BogonEntry& entry) {
    return std::find(documentation.begin(), documentation.end(), entry.prefix) !=
           documentation.end();
  };
  // The shipped set also lists the default routes (exact); without them here, only the
  // default-route rule (RFC 7454 6.1.6) can reject 0.0.0.0/0 and ::/0.
  const auto is_default = [](const BogonEntry& entry) { return entry.prefix.length() == 0; };
  std::erase_if(bogons.v4, is_documentation);
  std::erase_if(bogons.v6, is_documentation);
  std::erase_if(bogons.v4, is_default);
  std::erase_if(bogons.v6, is_default);
  // 2001:db8::/32 lies inside the 2001::/23 bogon entry: a permit overrides it (longest match).
  bogons.v6_permit.push_back(BogonEntry{
      .prefix = prefix("2001:db8::/32"),
      .match = BogonMatch::or_longer,
      .reason = "Documentation [RFC3849], usable in this behaviour test",
      .rfc_section = "RFC 7454 section 6.1.1.2",
  });
  std::sort(bogons.v6_permit.begin(), bogons.v6_permit.end(),
            [](const BogonEntry& a, const BogonEntry& b) { return a.prefix < b.prefix; });
  bogons.v6_allocated.push_back(prefix("2001:db8::/32"));
  std::sort(bogons.v6_allocated.begin(), bogons.v6_allocated.end());
  return bogons;
}

render::RenderInput behaviour_input(render::Daemon daemon) {
  using render::SessionInput;
  render::RenderInput input;
  input.daemon = daemon;
  input.version = render::default_version(daemon);
  input.options.mode = render::FilterMode::strict;
  input.options.router_id = ip(kOurV4);
  input.options.strict_roles = true;
  input.options.max_length_v4 = 27;
  input.options.rpki = render::RtrCache{"127.0.0.1", static_cast<std::uint16_t>(kRtrPort)};
  input.options.announce = {range("198.51.100.224/27"), range("2001:db8:1fe::/48")};
  input.our_asns = {asn(kOurOtherAsn), asn(kOurAsn)};
  input.bogons = documentation_usable(shipped_bogons());

  const SessionInput v4{
      .session_id = uuid("0190b1c2-d3e4-7f50-8a9b-0c1d2e3f5a04"),
      .neighbor =
          render::Neighbor{
              .our_asn = asn(kOurAsn),
              .our_ip = ip(kOurV4),
              .our_role = model::BgpRole::peer,
              .their_asn = asn(kTheirAsn),
              .their_ip = ip(kTheirV4),
              .their_role = model::BgpRole::peer,
              .their_insert_asn = true,
              .our_monitoring = false,
              .their_monitoring = false,
          },
      .type = model::LocationType::public_peering,
      .location = ok(model::LocationId::parse("pdb:ix:1")),
      .secret = ok(model::SessionSecret::parse("Behaviour-s3cret", "session_secret")),
      .their_name = "Example Access",
      .location_name = "Example IX",
      .their_prefix_count = 40,
      .irr_object = "AS-EXAMPLE-ACCESS",
      .irr_prefixes = {range("0.0.0.0/0"), range("10.1.0.0/16"), range("100.64.1.0/24"),
                       range("192.0.2.0/24{24,27}"), range("198.51.100.0/24{25,28}"),
                       range("203.0.113.0/25{25,27}")},
      .ixp_lan_prefixes = {prefix("192.0.2.0/24")},
      .directly_connected = true,
  };
  SessionInput v6 = v4;
  v6.session_id = uuid("0190b1c3-d3e4-7f50-8a9b-0c1d2e3f5a06");
  v6.neighbor.our_ip = ip(kOurV6);
  v6.neighbor.their_ip = ip(kTheirV6);
  v6.irr_prefixes = {range("::/0"), range("2001:db8:100::/40{40,56}"), range("2001:db8:ffff::/48"),
                     range("4000:1::/48"), range("fc00:1::/48")};
  v6.ixp_lan_prefixes = {prefix("2001:db8:ffff::/48")};
  input.sessions = {v4, v6};
  return input;
}

std::vector<Vrp> load_vrps(const std::filesystem::path& file) {
  namespace json = boost::json;
  const json::value document = json::parse(read_file(file));
  std::vector<Vrp> vrps;
  for (const auto& roa : document.at("roas").as_array()) {
    const auto& object = roa.as_object();
    std::uint32_t asn_value = 0;
    if (object.at("asn").is_string()) {
      std::string text(object.at("asn").as_string());
      if (text.starts_with("AS"))
        text = text.substr(2);
      asn_value = static_cast<std::uint32_t>(std::stoul(text));
    } else {
      asn_value = static_cast<std::uint32_t>(object.at("asn").to_number<std::uint64_t>());
    }
    vrps.push_back(Vrp{
        .prefix = ok(model::Prefix::parse(std::string(object.at("prefix").as_string()))),
        .max_length = object.at("maxLength").to_number<int>(),
        .asn = asn_value,
    });
  }
  return vrps;
}

Rov validate(const std::vector<Vrp>& vrps, const model::Prefix& route, std::uint32_t origin) {
  bool covered = false;
  for (const auto& vrp : vrps) {
    if (!sources::iana::covers(vrp.prefix, route))
      continue;
    covered = true;
    if (vrp.asn == origin && vrp.asn != 0 && route.length() <= vrp.max_length)
      return Rov::valid;
  }
  return covered ? Rov::invalid : Rov::not_found;
}

std::vector<InboundRule> rules_hit(const MixRoute& route, const render::InboundPlan& plan,
                                   const render::RenderInput& input,
                                   const render::SessionInput& session,
                                   const std::vector<Vrp>& vrps) {
  const model::Prefix net = route.parsed();
  const auto any_covers = [&](const std::vector<model::Prefix>& blocks) {
    return std::any_of(blocks.begin(), blocks.end(), [&](const model::Prefix& block) {
      return sources::iana::covers(block, net);
    });
  };
  const auto in_path = [&](auto&& predicate) {
    return std::any_of(route.path.begin(), route.path.end(), predicate);
  };
  std::vector<InboundRule> hit;
  for (const InboundRule rule : plan.rules) {
    bool breaks = false;
    switch (rule) {
      case InboundRule::reject_everything:
        breaks = true;
        break;
      case InboundRule::reject_bogons:
        breaks = input.bogons.is_bogon(net);
        break;
      case InboundRule::reject_default_route:
        breaks = net.length() == 0;
        break;
      case InboundRule::reject_too_specific:
        breaks = net.length() > plan.max_length;
        break;
      case InboundRule::reject_own_prefixes:
        breaks = any_covers(plan.own_prefixes);
        break;
      case InboundRule::reject_ixp_lan:
        breaks = any_covers(plan.ixp_lan);
        break;
      case InboundRule::reject_not_in_irr:
        breaks = std::none_of(plan.irr.begin(), plan.irr.end(),
                              [&](const model::PrefixRange& r) { return model::matches(r, net); });
        break;
      case InboundRule::reject_rpki_invalid:
        breaks = validate(vrps, net, route.path.back()) == Rov::invalid;
        break;
      case InboundRule::reject_private_asn:
        breaks = in_path(is_private_or_reserved);
        break;
      case InboundRule::reject_own_asn:
        breaks = in_path([&](std::uint32_t value) {
          return std::any_of(plan.our_asns.begin(), plan.our_asns.end(),
                             [&](const model::Asn& ours) { return ours.value() == value; });
        });
        break;
      case InboundRule::require_first_as:
        breaks = route.path.front() != session.neighbor.their_asn.value();
        break;
      case InboundRule::require_next_hop:
        breaks = !route.next_hop.empty() &&
                 ok(model::IpAddress::parse(route.next_hop)) != session.neighbor.their_ip;
        break;
      case InboundRule::scrub_own_communities:
      case InboundRule::rpki_not_found_preference:
        break;
    }
    if (breaks)
      hit.push_back(rule);
  }
  return hit;
}

std::string announcer_config(const std::string& template_text, const render::RenderInput& input) {
  std::string statics_v4;
  std::string statics_v6;
  std::string rules;
  for (const auto& route : route_mix()) {
    (route.family() == model::IpFamily::v4 ? statics_v4 : statics_v6) +=
        "  route " + route.prefix + " blackhole;\n";
    std::string actions;
    for (auto it = route.path.rbegin(); it != route.path.rend(); ++it)
      actions += " bgp_path.prepend(" + std::to_string(*it) + ");";
    for (const auto& community : route.communities) {
      actions += std::string(is_large(community) ? " bgp_large_community" : " bgp_community") +
                 ".add((" + replace_all(community, ":", ",") + "));";
    }
    if (!route.next_hop.empty())
      actions += " bgp_next_hop = " + route.next_hop + ";";
    rules += "  if net = " + route.prefix + " then {" + actions + " }\n";
  }
  const render::SessionInput& session = input.sessions.front();
  std::string text = template_text;
  text = replace_all(text, "@STATIC_ROUTES_V4@", statics_v4);
  text = replace_all(text, "@STATIC_ROUTES_V6@", statics_v6);
  text = replace_all(text, "@EXPORT_RULES@", rules);
  text = replace_all(text, "@A_ASN@", std::to_string(kOurAsn));
  text = replace_all(text, "@B_ASN@", std::to_string(kTheirAsn));
  text = replace_all(text, "@A_V4@", kOurV4);
  text = replace_all(text, "@B_V4@", kTheirV4);
  text = replace_all(text, "@A_V6@", kOurV6);
  text = replace_all(text, "@B_V6@", kTheirV6);
  text = replace_all(text, "@SECRET@", session.secret ? session.secret->reveal() : "");
  return text;
}

std::filesystem::path data_file(const std::string& name) {
  return source_dir() / "tests" / "render" / "behaviour" / "data" / name;
}

}  // namespace peerapi::testing::behaviour
