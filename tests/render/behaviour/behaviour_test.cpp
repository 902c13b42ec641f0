// Behaviour, not just syntax (issue 5, "Tests", last bullet): router A runs peerapi's rendered
// configuration in a network namespace and peers over a veth pair with router B (BIRD) in
// another, which announces the route mix of route_mix.hpp; RPKI comes from stayrtr inside A's
// namespace. The tests assert exactly which routes A accepts (with the attributes RFC 7454
// asks for), which it filters, and for BIRD why (the rendered `reject "..."` text, RFC 7454
// section included). Documentation addresses only, nothing leaves the namespaces, no daemon
// installs routes into a kernel table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "render/behaviour/route_mix.hpp"
#include "render/render_cases.hpp"
#include "render/renderer.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::behaviour {
namespace {

using namespace std::chrono_literals;
using render::Daemon;
using render::InboundRule;

constexpr auto kSessionTimeout = 30s;

std::string describe(const MixRoute& route) {
  std::string text = route.prefix + " (" + route.why + ")";
  if (route.rule)
    text += " [" + std::string(render::rule_comment(*route.rule)) + "]";
  return text;
}

std::set<model::Prefix> prefixes(const std::vector<MixRoute>& routes, Verdict verdict) {
  std::set<model::Prefix> result;
  for (const auto& route : routes) {
    if (route.verdict == verdict)
      result.insert(route.parsed());
  }
  return result;
}

std::string list(const std::set<model::Prefix>& set) {
  std::string text;
  for (const auto& net : set)
    text += (text.empty() ? "" : " ") + net.to_string();
  return text.empty() ? "(none)" : text;
}

std::set<model::Prefix> keys(const auto& map) {
  std::set<model::Prefix> result;
  for (const auto& [net, value] : map)
    result.insert(net);
  return result;
}

/// The local preference an accepted route gets (RFC 7454 6.1.2.2.2, RFC 7115).
std::uint32_t expected_local_pref(const MixRoute& route, const render::RenderInput& input) {
  return route.rov == Rov::valid ? input.options.local_preference
                                 : input.options.rpki_not_found_local_preference;
}

const render::SessionInput& session_of(const render::RenderInput& input, model::IpFamily family) {
  for (const auto& session : input.sessions) {
    if (session.family() == family)
      return session;
  }
  throw std::logic_error("no session of that family");
}

std::string tail(const std::string& text, std::size_t max = 6000) {
  return text.size() <= max ? text : "...\n" + text.substr(text.size() - max);
}

/// Skips (only) when namespaces cannot be made at all; fails when a needed program is missing.
#define REQUIRE_LAB(...)                                                                \
  do {                                                                                  \
    const std::string why_not = lab::acquire_netns_privilege();                         \
    if (!why_not.empty())                                                               \
      GTEST_SKIP() << "\n********************************************************\n"    \
                   << "*** BEHAVIOUR TEST NOT RUN: no network namespaces here ***\n"    \
                   << "*** " << why_not << "\n"                                         \
                   << "********************************************************";       \
    for (const char* program : {__VA_ARGS__})                                           \
      ASSERT_TRUE(lab::find_program(program))                                           \
          << program << " is not installed; scripts/install-deps installs the daemons " \
          << "(bird2, frr, frr-rpki-rtrlib, stayrtr, iproute2)";                        \
  } while (false)

/// The rendering of `input` written under `dir`; the top-level file's path.
std::filesystem::path write_rendering(const render::Rendering& rendering,
                                      const std::filesystem::path& dir) {
  std::filesystem::path top;
  for (const auto& file : rendering.files) {
    write_file(dir / file.name, file.text);
    if (file.top_level)
      top = dir / file.name;
  }
  return top;
}

std::string notices(const render::Rendering& rendering) {
  std::string text;
  for (const auto& notice : rendering.notices)
    text += "\n  [" + notice.session + "] " + notice.what + ": " + notice.message;
  return text;
}

// ---- the test data -------------------------------------------------------------------------

TEST(BehaviourMix, EveryRouteBreaksExactlyTheRuleItIsThereFor) {
  const auto vrps = load_vrps(data_file("vrps.json"));
  for (const Daemon daemon : {Daemon::bird, Daemon::frr}) {
    const render::RenderInput input = behaviour_input(daemon);
    for (const auto& route : route_mix()) {
      const auto& session = session_of(input, route.family());
      const render::InboundPlan plan = render::plan_inbound(input, session);
      const auto hit = rules_hit(route, plan, input, session, vrps);
      if (route.verdict == Verdict::accepted) {
        EXPECT_TRUE(hit.empty()) << describe(route) << " breaks a rule, e.g. "
                                 << render::rule_comment(hit.front());
      } else {
        std::set<InboundRule> expected(route.also_breaks.begin(), route.also_breaks.end());
        expected.insert(*route.rule);
        EXPECT_EQ(std::set<InboundRule>(hit.begin(), hit.end()), expected)
            << describe(route) << " must break exactly the rule it is there for";
      }
      EXPECT_EQ(validate(vrps, route.parsed(), route.path.back()), route.rov)
          << describe(route) << " is RPKI " << to_string(route.rov) << " by data/vrps.json";
    }
  }
}

TEST(BehaviourMix, CoversEveryRejectRuleOfTheStrictPlanInBothFamilies) {
  const render::RenderInput input = behaviour_input(Daemon::bird);
  for (const auto family : {model::IpFamily::v4, model::IpFamily::v6}) {
    const render::InboundPlan plan = render::plan_inbound(input, session_of(input, family));
    std::set<InboundRule> covered;
    for (const auto& route : route_mix(family)) {
      if (route.verdict == Verdict::filtered)
        covered.insert(*route.rule);
    }
    for (const InboundRule rule : plan.rules) {
      if (rule == InboundRule::scrub_own_communities ||
          rule == InboundRule::rpki_not_found_preference)
        continue;
      EXPECT_TRUE(covered.contains(rule)) << "no route of the IPv" << static_cast<int>(family)
                                          << " mix exercises " << render::rule_comment(rule);
    }
    std::set<Rov> states;
    bool scrubbed = false;
    for (const auto& route : route_mix(family)) {
      if (route.verdict != Verdict::accepted)
        continue;
      states.insert(route.rov);
      scrubbed = scrubbed || route.kept_communities().size() + route.kept_communities(true).size() <
                                 route.communities.size();
    }
    EXPECT_TRUE(states.contains(Rov::valid) && states.contains(Rov::not_found));
    EXPECT_TRUE(scrubbed) << "no accepted route carries a community to scrub";
  }
}

TEST(BehaviourMix, AnnouncerConfigurationIsValidBird) {
  REQUIRE_LAB("bird");
  TempDir dir;
  const auto config = dir.path() / "b.conf";
  write_file(config, announcer_config(read_file(data_file("announcer.conf.in")),
                                      behaviour_input(Daemon::bird)));
  const auto check = lab::run({"bird", "-p", "-c", config.string()});
  EXPECT_TRUE(check.ok()) << check.output << "\n" << read_file(config);
  EXPECT_EQ(read_file(config).find('@'), std::string::npos) << "unfilled placeholder";
}

// ---- parsers, on text captured from BIRD 2.0.12 and FRR 8.4.4 ------------------------------

TEST(BirdOutput, ProtocolsRoutesAndFilterLogAreParsed) {
  const std::string protocols =
      "BIRD 2.0.12 ready.\n"
      "Name       Proto      Table      State  Since         Info\n"
      "rpki1      RPKI       ---        up     00:20:17.250  Established\n"
      "  Channel roa4\n"
      "    Routes:         2 imported, 0 exported, 2 preferred\n"
      "  Channel roa6\n"
      "    Routes:         2 imported, 0 exported, 2 preferred\n"
      "a4         BGP        ---        up     00:20:23.762  Established   \n"
      "  BGP state:          Established\n"
      "    Neighbor address: 192.0.2.11\n"
      "    Route change stats:     received   rejected   filtered    ignored   accepted\n"
      "      Import updates:              8          0          6          0          2\n"
      "      Import withdraws:            1          0        ---          1          0\n";
  const auto parsed = parse_bird_protocols(protocols);
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].proto, "RPKI");
  EXPECT_EQ(parsed[0].routes_imported, 4);
  EXPECT_EQ(parsed[1].name, "a4");
  EXPECT_EQ(parsed[1].info, "Established");
  EXPECT_EQ(parsed[1].neighbor_address, "192.0.2.11");
  EXPECT_EQ(parsed[1].import_updates_received, 8);
  EXPECT_EQ(parsed[1].import_withdraws_received, 1);

  const std::string routes =
      "BIRD 2.0.12 ready.\n"
      "Table master4:\n"
      "198.51.100.32/27     unicast [a4 00:20:23.849] * (100) [AS64501i]\n"
      "\tvia 192.0.2.11 on va\n"
      "\tType: BGP univ\n"
      "\tBGP.as_path: 64501\n"
      "\tBGP.local_pref: 90\n"
      "\tBGP.community: (64501,7)\n"
      "Table rpki4:\n"
      "203.0.113.96/27-27 AS64999  [rpki1 00:20:17.250] * (100)\n";
  const auto table = parse_bird_routes(routes);
  ASSERT_EQ(table.size(), 1u);
  const auto& route = table.at(render_cases::prefix("198.51.100.32/27"));
  EXPECT_EQ(route.at("BGP.local_pref"), "90");
  EXPECT_EQ(route.at("BGP.community"), "(64501,7)");
  EXPECT_EQ(route.at("via"), "192.0.2.11 on va");

  const std::string log =
      "2026-11-24 00:21:49.390 <WARN> a4.ipv4: Automatic RPKI reload not active for import\n"
      "2026-11-24 00:21:49.636 <INFO> RPKI invalid: 203.0.113.96/27\n"
      "2026-11-24 00:21:49.636 <TRACE> a4.ipv4 > filtered out 203.0.113.96/27 0L 3G unicast\n"
      "2026-11-24 00:21:49.636 <TRACE> a4.ipv4 < rejected by protocol 198.51.100.0/25 0L 3G\n"
      "2026-11-24 00:21:49.636 <TRACE> a4.ipv4 > filtered out 198.51.100.128/28 0L 3G unicast\n"
      "2026-11-24 00:21:49.677 <INFO> first AS: 2001:db8:183::/48\n"
      "2026-11-24 00:21:49.677 <TRACE> a6.ipv6 > filtered out 2001:db8:183::/48 0L 4G unicast\n";
  const auto v4 = parse_bird_filter_log(log, "a4.ipv4");
  ASSERT_EQ(v4.size(), 2u);
  EXPECT_EQ(v4.at(render_cases::prefix("203.0.113.96/27")),
            std::vector<std::string>{"RPKI invalid: 203.0.113.96/27"});
  // A trace line before it: no message from a filter.
  EXPECT_EQ(v4.at(render_cases::prefix("198.51.100.128/28")), std::vector<std::string>{""});
  EXPECT_EQ(parse_bird_filter_log(log, "a6.ipv6").size(), 1u);
}

TEST(FrrOutput, JsonAndRpkiTableAreParsed) {
  const auto paths = parse_frr_prefix(
      R"({"prefix":"198.51.100.32/27","paths":[{"aspath":{"string":"64501"},"locPrf":90,)"
      R"("community":{"string":"64501:7 64501:1","list":["64501:7","64501:1"]},)"
      R"("largeCommunity":{"string":"64501:1:2"},)"
      R"("rpkiValidationState":"valid","nexthops":[{"ip":"192.0.2.11"}]}]})");
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].as_path, "64501");
  EXPECT_EQ(paths[0].local_pref, 90);
  EXPECT_EQ(paths[0].communities, (std::vector<std::string>{"64501:1", "64501:7"}));
  EXPECT_EQ(paths[0].large_communities, std::vector<std::string>{"64501:1:2"});
  EXPECT_EQ(paths[0].next_hop, "192.0.2.11");
  EXPECT_TRUE(parse_frr_prefix("% Network not in table").empty());
  EXPECT_EQ(parse_frr_prefix("% Can't open configuration file /etc/frr/vtysh.conf due to "
                             "'Permission denied'.\n{\"paths\":[{\"locPrf\":100}]}")
                .size(),
            1u);

  const auto routes = parse_frr_neighbor_routes(
      R"({"routes": { "198.51.100.0/25": [{"valid":true}], "198.51.100.32/27": [] } })");
  EXPECT_EQ(routes, (std::vector<model::Prefix>{render_cases::prefix("198.51.100.0/25"),
                                                render_cases::prefix("198.51.100.32/27")}));

  const auto neighbor =
      parse_frr_neighbor(R"({"192.0.2.11":{"bgpState":"Established","gracefulRestartInfo":)"
                         R"({"endOfRibRecv":{"ipv4Unicast":true}}}})",
                         "192.0.2.11", "ipv4Unicast");
  ASSERT_TRUE(neighbor);
  EXPECT_EQ(neighbor->state, "Established");
  EXPECT_TRUE(neighbor->end_of_rib_received);

  EXPECT_EQ(parse_frr_rpki_count("RPKI/RTR prefix table\nNumber of IPv4 Prefixes: 2\n"
                                 "Number of IPv6 Prefixes: 3\n"),
            5);
}

// ---- the lab -------------------------------------------------------------------------------

/// What every behaviour test shares: the rendering for A, the announcer B, the link, stayrtr.
/// Members are destroyed in reverse order: B and A stop first, then stayrtr, then the
/// namespaces go, then the files.
struct World {
  explicit World(Daemon daemon)
      : input(behaviour_input(daemon)), rendering(render::render(input)) {}
  /// PEERAPI_BEHAVIOUR_KEEP=DIR keeps a copy of the configurations and logs (for debugging).
  ~World() {
    rtr.reset();
    link.reset();
    if (const char* keep = std::getenv("PEERAPI_BEHAVIOUR_KEEP"); keep != nullptr && *keep) {
      std::error_code ignored;
      const auto target = std::filesystem::path(keep) / dir.path().filename();
      for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path(), ignored)) {
        if (!entry.is_regular_file())
          continue;
        const auto copy = target / entry.path().lexically_relative(dir.path());
        std::filesystem::create_directories(copy.parent_path(), ignored);
        std::filesystem::copy_file(entry.path(), copy, ignored);
      }
      std::cerr << "behaviour test files kept in " << target << "\n";
    }
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  render::RenderInput input;
  render::Rendering rendering;
  TempDir dir;
  std::filesystem::path a_config;
  std::filesystem::path b_config;
  std::unique_ptr<lab::Link> link;
  std::unique_ptr<StayRtr> rtr;

  /// Writes A's and B's files; checks B's configuration; makes the link; starts stayrtr.
  /// Returns an error text, empty on success.
  std::string prepare(const std::string& top_level_name) {
    a_config = write_rendering(rendering, dir.path() / "a");
    if (a_config.filename() != top_level_name)
      return "the rendering has no top-level " + top_level_name +
             " (files: " + std::to_string(rendering.files.size()) +
             "); notices:" + notices(rendering);
    b_config = dir.path() / "b" / "bird.conf";
    write_file(b_config, announcer_config(read_file(data_file("announcer.conf.in")), input));
    if (const auto check = lab::run({"bird", "-p", "-c", b_config.string()}); !check.ok())
      return "announcer configuration: " + check.output;
    link = std::make_unique<lab::Link>("pa-" + std::to_string(::getpid()),
                                       lab::LinkAddresses{
                                           .a_v4 = std::string(kOurV4) + "/24",
                                           .b_v4 = std::string(kTheirV4) + "/24",
                                           .a_v6 = std::string(kOurV6) + "/64",
                                           .b_v6 = std::string(kTheirV6) + "/64",
                                       });
    if (!link->error().empty())
      return "network namespaces: " + link->error();
    rtr = std::make_unique<StayRtr>(link->a(), data_file("vrps.json"), kRtrPort, dir.path());
    return rtr->wait_ready();
  }
};

/// B sends exactly the mix of `family` (its export table towards A).
void expect_announces_mix(const BirdDaemon& b, model::IpFamily family) {
  std::set<model::Prefix> all;
  for (const auto& route : route_mix(family))
    all.insert(route.parsed());
  const std::string protocol = family == model::IpFamily::v4 ? "to_a_v4" : "to_a_v6";
  EXPECT_EQ(list(keys(parse_bird_routes(b.birdc("show route export " + protocol).output))),
            list(all))
      << "B does not announce the mix";
}

// ---- BIRD ----------------------------------------------------------------------------------

/// What a rendered BIRD filter's reject message must tell for `rule`: the RFC 7454 section
/// ("RFC 7454 section 6.1.3", "RFC7454 6.1.3", ...), and for the three section 9 checks which
/// one (a keyword). The rest of the wording is the renderer's.
struct ReasonKey {
  std::vector<std::string> sections;
  std::string keyword;  // lower case; empty: the section suffices
};

ReasonKey reason_key(InboundRule rule) {
  switch (rule) {
    case InboundRule::reject_everything:
      return {{}, "monitoring"};
    case InboundRule::reject_bogons:
      return {{"6.1.1", "6.1.1.1", "6.1.1.2", "6.1.2.1"}, ""};
    case InboundRule::reject_default_route:
      return {{"6.1.6", "6.1.6.1", "6.1.6.2"}, ""};
    case InboundRule::reject_too_specific:
      return {{"6.1.3"}, ""};
    case InboundRule::reject_own_prefixes:
      return {{"6.1.4"}, ""};
    case InboundRule::reject_ixp_lan:
      return {{"6.1.5"}, ""};
    case InboundRule::reject_not_in_irr:
      return {{"6.1.2.2.1"}, ""};
    case InboundRule::reject_rpki_invalid:
      return {{"6.1.2.2.2"}, ""};
    case InboundRule::reject_private_asn:
      return {{"9"}, "private"};
    case InboundRule::reject_own_asn:
      return {{"9"}, "own"};
    case InboundRule::require_first_as:
      return {{"9"}, "first"};
    case InboundRule::require_next_hop:
      return {{"10"}, ""};
    case InboundRule::scrub_own_communities:
    case InboundRule::rpki_not_found_preference:
      break;
  }
  return {};
}

bool names_rule(const std::string& logged, InboundRule rule) {
  static const std::regex kSection(R"(RFC ?7454\D{0,12}?(\d+(?:\.\d+)*))");
  const ReasonKey key = reason_key(rule);
  std::smatch match;
  if (!std::regex_search(logged, match, kSection))
    return false;
  if (std::find(key.sections.begin(), key.sections.end(), match[1].str()) == key.sections.end())
    return false;
  std::string lower = logged;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key.keyword.empty() || lower.find(key.keyword) != std::string::npos;
}

TEST(BirdOutput, RejectMessagesNameTheirRule) {
  EXPECT_TRUE(names_rule("RFC7454 6.1.3 too specific (as64501_x): 198.51.100.128/28",
                         InboundRule::reject_too_specific));
  EXPECT_TRUE(names_rule("RFC 7454 section 6.1.3: prefix too specific: 198.51.100.128/28",
                         InboundRule::reject_too_specific));
  EXPECT_FALSE(names_rule("RFC7454 6.1.3 too specific", InboundRule::reject_own_prefixes));
  EXPECT_TRUE(
      names_rule("RFC7454 6.1.2.1 not allocated by IANA: 4000:1::/48", InboundRule::reject_bogons));
  EXPECT_FALSE(names_rule("RFC7454 6.1.2.2.1 not in IRR", InboundRule::reject_bogons));
  EXPECT_TRUE(names_rule("RFC7454 9 own ASN in path", InboundRule::reject_own_asn));
  EXPECT_FALSE(names_rule("RFC7454 9 private ASN in path", InboundRule::reject_own_asn));
  EXPECT_FALSE(names_rule("too specific", InboundRule::reject_too_specific));
  EXPECT_FALSE(names_rule("", InboundRule::require_next_hop));
}

TEST(BehaviourBird, RenderedImportFiltersAcceptAndRejectTheMixForTheRightReasons) {
  REQUIRE_LAB("ip", "bird", "birdc", "stayrtr");
  World world(Daemon::bird);
  const auto vrps = load_vrps(data_file("vrps.json"));
  ASSERT_EQ(world.prepare("bird.conf"), "");
  {
    const auto check = lab::run({"bird", "-p", "-c", world.a_config.string()});
    ASSERT_TRUE(check.ok()) << "bird -p rejects the rendered configuration: " << check.output;
  }

  BirdDaemon a("bird-a", world.link->a(), world.a_config, world.dir.path());
  ASSERT_EQ(a.wait_ready(), "");

  // RPKI first: every route is then evaluated against the complete ROA tables once, so the
  // outcome does not depend on how the configuration re-runs filters when ROAs change.
  std::string rpki_name;
  const bool rpki_loaded = lab::wait_until(15s, [&] {
    for (const auto& protocol : a.protocols()) {
      if (protocol.proto == "RPKI") {
        rpki_name = protocol.name;
        return protocol.routes_imported == static_cast<long>(vrps.size());
      }
    }
    return false;
  });
  ASSERT_TRUE(rpki_loaded) << "A's RPKI protocol (" << (rpki_name.empty() ? "none" : rpki_name)
                           << ") did not load " << vrps.size() << " VRPs from stayrtr:\n"
                           << a.birdc("show protocols all").output << "\nstayrtr:\n"
                           << world.rtr->output();

  std::map<model::IpFamily, std::string> protocol_of;
  for (const auto& protocol : a.protocols()) {
    if (protocol.proto != "BGP")
      continue;
    if (protocol.neighbor_address == kTheirV4)
      protocol_of[model::IpFamily::v4] = protocol.name;
    if (protocol.neighbor_address == kTheirV6)
      protocol_of[model::IpFamily::v6] = protocol.name;
  }
  ASSERT_EQ(protocol_of.size(), 2u)
      << "A has no BGP protocol for " << kTheirV4 << " or " << kTheirV6 << ":\n"
      << a.birdc("show protocols all").output;
  for (const auto& [family, name] : protocol_of) {
    const auto debug = a.birdc("debug " + name + " { filters }");
    ASSERT_TRUE(debug.ok()) << debug.output;
  }

  BirdDaemon b("bird-b", world.link->b(), world.b_config, world.dir.path());
  ASSERT_EQ(b.wait_ready(), "");

  // Converged when each session is up and A has processed every route B sends (loop-detected
  // routes count as received withdraws). BIRD logs a filter's decision before it counts it.
  std::map<std::string, BirdProtocol> seen;
  const auto all_received = [&] {
    seen.clear();
    for (const auto& protocol : a.protocols())
      seen[protocol.name] = protocol;
    for (const auto& [family, name] : protocol_of) {
      const auto& protocol = seen[name];
      const long total = protocol.import_updates_received + protocol.import_withdraws_received;
      if (protocol.info != "Established" || total < static_cast<long>(route_mix(family).size()))
        return false;
    }
    return true;
  };
  ASSERT_TRUE(lab::wait_until(kSessionTimeout, all_received))
      << "sessions did not come up or not every route arrived within 30 s:\n"
      << a.birdc("show protocols all").output << "\nA's log:\n"
      << tail(a.log()) << "\nB:\n"
      << b.birdc("show protocols all").output;

  const std::string log = a.log();
  for (const auto& [family, name] : protocol_of) {
    SCOPED_TRACE("IPv" + std::to_string(static_cast<int>(family)) + ", A's protocol " + name);
    const auto mix = route_mix(family);
    expect_announces_mix(b, family);

    // Accepted: exactly the good routes, with the local preference of their RPKI state, their
    // path, and without our communities.
    const BirdRoutes accepted =
        parse_bird_routes(a.birdc("show route protocol " + name + " all").output);
    EXPECT_EQ(list(keys(accepted)), list(prefixes(mix, Verdict::accepted)))
        << "accepted set differs";
    for (const auto& route : mix) {
      if (route.verdict != Verdict::accepted)
        continue;
      const auto found = accepted.find(route.parsed());
      if (found == accepted.end())
        continue;
      const auto& attributes = found->second;
      const auto attribute = [&](const std::string& key) {
        const auto it = attributes.find(key);
        return it == attributes.end() ? std::string() : it->second;
      };
      EXPECT_EQ(attribute("BGP.local_pref"),
                std::to_string(expected_local_pref(route, world.input)))
          << describe(route) << ": RPKI " << to_string(route.rov);
      for (const bool large : {false, true}) {
        std::string expected;
        for (std::string community : route.kept_communities(large)) {
          std::replace(community.begin(), community.end(), ':', ',');
          expected += (expected.empty() ? "(" : " (") + community + ")";
        }
        std::string shown = attribute(large ? "BGP.large_community" : "BGP.community");
        std::erase(shown, ' ');  // "(64501, 1, 2) (64501, 7, 8)" for large ones
        std::erase(expected, ' ');
        EXPECT_EQ(shown, expected) << describe(route) << ": RFC 7454 section 11 scrubs the "
                                   << (large ? "large " : "") << "communities of our ASNs only";
      }
      EXPECT_EQ(attribute("BGP.as_path"), std::to_string(kTheirAsn)) << describe(route);
    }

    // Filtered: exactly the routes that break a rule, each for its rule.
    const auto decisions =
        parse_bird_filter_log(log, name + "." + (family == model::IpFamily::v4 ? "ipv4" : "ipv6"));
    EXPECT_EQ(list(keys(decisions)), list(prefixes(mix, Verdict::filtered)))
        << "filtered set differs; A's log:\n"
        << tail(log);
    for (const auto& route : mix) {
      if (route.verdict != Verdict::filtered)
        continue;
      const auto found = decisions.find(route.parsed());
      if (found == decisions.end())
        continue;
      std::vector<InboundRule> acceptable = route.also_breaks;
      acceptable.push_back(*route.rule);
      for (const auto& logged : found->second) {
        EXPECT_TRUE(std::any_of(acceptable.begin(), acceptable.end(),
                                [&](InboundRule rule) { return names_rule(logged, rule); }))
            << describe(route) << "\n  was rejected with the message \"" << logged << "\"";
      }
    }

    // Our own router's ASN: dropped by BGP loop detection before the import filter.
    long loops = 0;
    for (const auto& route : mix) {
      if (route.verdict != Verdict::loop)
        continue;
      ++loops;
      EXPECT_FALSE(accepted.contains(route.parsed())) << describe(route);
      EXPECT_FALSE(decisions.contains(route.parsed())) << describe(route);
    }
    EXPECT_GE(seen[name].import_withdraws_received, loops);
  }
}

// ---- FRR -----------------------------------------------------------------------------------

TEST(BehaviourFrr, RenderedRouteMapsAcceptExactlyTheGoodRoutes) {
  REQUIRE_LAB("ip", "bird", "birdc", "stayrtr", "vtysh", "/usr/lib/frr/bgpd");
  World world(Daemon::frr);
  const auto vrps = load_vrps(data_file("vrps.json"));
  ASSERT_EQ(world.prepare("frr.conf"), "");

  FrrBgpd a("frr-a", world.link->a(), world.a_config, world.dir.path());
  ASSERT_EQ(a.wait_ready(), "");
  {
    // bgpd keeps running with the lines it understood; a line it rejected would make the
    // behaviour below meaningless. It reports them as "No such command on config line N",
    // "... Config Failed ..." or a "% ..." line.
    std::istringstream output(a.output());
    std::string line;
    while (std::getline(output, line)) {
      const bool problem = line.starts_with("%") ||
                           line.find("Config Failed") != std::string::npos ||
                           line.find("No such command") != std::string::npos ||
                           line.find("Unknown command") != std::string::npos;
      ASSERT_FALSE(problem) << "bgpd rejected part of the rendered configuration: " << line << "\n"
                            << tail(a.output());
    }
  }
  ASSERT_TRUE(lab::wait_until(15s,
                              [&] {
                                return parse_frr_rpki_count(
                                           a.vtysh("show rpki prefix-table").output) ==
                                       static_cast<long>(vrps.size());
                              }))
      << "A did not load the VRPs from stayrtr:\n"
      << a.vtysh("show rpki cache-connection").output << "\n"
      << tail(a.output());

  BirdDaemon b("bird-b", world.link->b(), world.b_config, world.dir.path());
  ASSERT_EQ(b.wait_ready(), "");

  struct Family {
    model::IpFamily family;
    std::string address;
    std::string afi;
    std::string afi_key;
  };
  const std::vector<Family> families = {
      {model::IpFamily::v4, kTheirV4, "ipv4", "ipv4Unicast"},
      {model::IpFamily::v6, kTheirV6, "ipv6", "ipv6Unicast"},
  };
  // Converged when both sessions are up and B's End-of-RIB has arrived for each family.
  const auto converged = [&] {
    for (const auto& f : families) {
      const auto neighbor = parse_frr_neighbor(
          a.vtysh("show bgp neighbors " + f.address + " json").output, f.address, f.afi_key);
      if (!neighbor || neighbor->state != "Established" || !neighbor->end_of_rib_received)
        return false;
    }
    return true;
  };
  ASSERT_TRUE(lab::wait_until(kSessionTimeout, converged))
      << "sessions did not come up or no End-of-RIB within 30 s:\n"
      << a.vtysh("show bgp summary").output << "\nbgpd:\n"
      << tail(a.output()) << "\nB:\n"
      << b.birdc("show protocols all").output;

  for (const auto& f : families) {
    SCOPED_TRACE("IPv" + std::to_string(static_cast<int>(f.family)) + ", neighbor " + f.address);
    const auto mix = route_mix(f.family);
    expect_announces_mix(b, f.family);
    const auto received = parse_frr_neighbor_routes(
        a.vtysh("show bgp " + f.afi + " unicast neighbors " + f.address + " routes json").output);
    const std::set<model::Prefix> accepted(received.begin(), received.end());
    EXPECT_EQ(list(accepted), list(prefixes(mix, Verdict::accepted)))
        << "accepted set differs; bgpd:\n"
        << tail(a.output());
    for (const auto& route : mix) {
      if (route.verdict != Verdict::accepted || !accepted.contains(route.parsed()))
        continue;
      const auto paths = parse_frr_prefix(
          a.vtysh("show bgp " + f.afi + " unicast " + route.prefix + " json").output);
      ASSERT_EQ(paths.size(), 1u) << describe(route);
      EXPECT_EQ(paths[0].local_pref, std::optional<long>(expected_local_pref(route, world.input)))
          << describe(route) << ": RPKI " << to_string(route.rov);
      EXPECT_EQ(paths[0].communities, route.kept_communities())
          << describe(route) << ": RFC 7454 section 11 scrubs communities of our ASNs only";
      EXPECT_EQ(paths[0].large_communities, route.kept_communities(true))
          << describe(route) << ": RFC 7454 section 11 scrubs large communities of our ASNs only";
      EXPECT_EQ(paths[0].as_path, std::to_string(kTheirAsn)) << describe(route);
    }
  }
}

}  // namespace
}  // namespace peerapi::testing::behaviour
