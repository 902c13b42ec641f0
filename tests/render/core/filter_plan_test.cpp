#include "render/filter_plan.hpp"

#include <gtest/gtest.h>

#include "render/render_cases.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;

TEST(DaemonVersion, ParsesAndComparesNumerically) {
  EXPECT_EQ(ok(DaemonVersion::parse("2.0.12")), (DaemonVersion{2, 0, 12}));
  EXPECT_EQ(ok(DaemonVersion::parse("7.8")), (DaemonVersion{7, 8, 0}));
  EXPECT_EQ(ok(DaemonVersion::parse("3")), (DaemonVersion{3, 0, 0}));
  EXPECT_LT(ok(DaemonVersion::parse("2.0.12")), ok(DaemonVersion::parse("2.17")));
  EXPECT_EQ(ok(DaemonVersion::parse("2.17.1")).to_string(), "2.17.1");
  for (const char* bad : {"", "2.", ".1", "2.0.12.1", "2.x", "-1", "12345", "2..0"}) {
    const auto result = DaemonVersion::parse(bad, "render.version");
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().field, "render.version");
    EXPECT_EQ(result.error().code, ErrorCode::invalid_value);
  }
}

TEST(Daemon, NamesRoundTripAndUnknownIsAnError) {
  for (Daemon daemon : {Daemon::bird, Daemon::frr, Daemon::openbgpd})
    EXPECT_EQ(ok(parse_daemon(to_string(daemon))), daemon);
  const auto bad = parse_daemon("quagga", "daemon");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bird, frr or openbgpd"), std::string::npos);
}

TEST(Orient, ReceiverSeesTheRequesterAsItsNeighbor) {
  const model::SessionRequest stored{
      .local_asn = asn(64501),
      .local_ip = ip("192.0.2.11"),
      .peer_asn = asn(64500),
      .peer_ip = ip("192.0.2.1"),
      .local_bgp_role = model::BgpRole::route_server,
      .peer_bgp_role = model::BgpRole::route_server_client,
      .local_insert_asn = false,
      .peer_insert_asn = true,
      .local_monitoring_session = false,
      .peer_monitoring_session = true,
      .peer_type = model::LocationType::public_peering,
      .session_secret = std::nullopt,
      .location = ok(model::LocationId::parse("pdb:ix:1")),
  };
  const Neighbor receiver = orient(stored, Side::receiver);
  EXPECT_EQ(receiver.our_asn, asn(64500));
  EXPECT_EQ(receiver.their_asn, asn(64501));
  EXPECT_EQ(receiver.their_ip, ip("192.0.2.11"));
  EXPECT_EQ(receiver.their_role, model::BgpRole::route_server);
  EXPECT_FALSE(receiver.their_insert_asn);
  EXPECT_TRUE(receiver.our_monitoring);
  EXPECT_FALSE(receiver.their_monitoring);
  const Neighbor initiator = orient(stored, Side::initiator);
  EXPECT_EQ(initiator.our_asn, asn(64501));
  EXPECT_EQ(initiator.their_ip, ip("192.0.2.1"));
  EXPECT_TRUE(initiator.their_insert_asn);
  EXPECT_TRUE(initiator.their_monitoring);
}

TEST(SessionName, IsTheirAsnAndTheIdPrefix) {
  EXPECT_EQ(session_name(v4_session()), "as64501_0c1d2e3f4a01");
}

TEST(MaxPrefix, PeeringDbFigurePlusHeadroomRoundedUp) {
  Options options;
  SessionInput session = v4_session();
  session.their_prefix_count = 41;  // 41 * 1.25 = 51.25 -> 52
  const MaxPrefix limits = max_prefix(options, session);
  EXPECT_EQ(limits.limit, 52u);
  EXPECT_EQ(limits.warning, 46u);  // 90% of 52, rounded down
  EXPECT_TRUE(limits.from_peeringdb);
  EXPECT_EQ(limits.restart_minutes, 15);

  session.their_prefix_count = 0;  // PeeringDB's "unknown"
  EXPECT_EQ(max_prefix(options, session).limit, options.max_prefix_default_v4);
  EXPECT_FALSE(max_prefix(options, session).from_peeringdb);
  EXPECT_EQ(max_prefix(options, v6_session()).limit, 13u);  // 10 * 1.25 = 12.5 -> 13

  session.their_prefix_count = 0xFFFFFFFFu;  // never overflows
  EXPECT_EQ(max_prefix(options, session).limit, 0xFFFFFFFFu);
}

TEST(RouterId, ConfiguredElseLowestIpv4ElseDocumentationAddress) {
  RenderInput input = base_input(Daemon::bird);
  EXPECT_EQ(effective_router_id(input).address, ip("192.0.2.1"));
  input.options.router_id.reset();
  SessionInput high = v4_session();
  high.neighbor.our_ip = ip("198.51.100.9");
  SessionInput low = v4_session();
  low.neighbor.our_ip = ip("192.0.2.7");
  input.sessions = {high, v6_session(), low};
  EXPECT_EQ(effective_router_id(input).address, ip("192.0.2.7"));
  EXPECT_FALSE(effective_router_id(input).fallback);
  input.sessions = {v6_session()};
  EXPECT_TRUE(effective_router_id(input).fallback);
}

TEST(CheckOptions, NamesEachBadKey) {
  Options options;
  options.router_id = ip("2001:db8::1");
  options.max_length_v4 = 33;
  options.max_length_v6 = 8;
  options.max_prefix_warning_percent = 0;
  options.rpki_not_found_local_preference = 100;
  std::set<std::string> fields;
  for (const auto& error : check_options(options))
    fields.insert(error.field);
  EXPECT_EQ(fields,
            (std::set<std::string>{"render.router_id", "render.max_length_v4",
                                   "render.max_length_v6", "render.max_prefix_warning_percent",
                                   "render.rpki_not_found_local_preference"}));
  EXPECT_TRUE(check_options(Options{}).empty());
  Options too_specific;
  too_specific.announce = {range("198.51.100.0/24"), range("198.51.100.0/24{24,25}")};
  const auto errors = check_options(too_specific);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "render.announce[1]");
}

TEST(PlanInbound, StrictSessionHasEveryRuleInOrder) {
  RenderInput input = base_input(Daemon::bird);
  const InboundPlan plan = plan_inbound(input, v4_session());
  EXPECT_EQ(plan.rules, (std::vector<InboundRule>{
                            InboundRule::reject_default_route, InboundRule::reject_own_prefixes,
                            InboundRule::reject_ixp_lan, InboundRule::reject_bogons,
                            InboundRule::reject_too_specific, InboundRule::reject_not_in_irr,
                            InboundRule::reject_rpki_invalid, InboundRule::reject_private_asn,
                            InboundRule::reject_own_asn, InboundRule::require_first_as,
                            InboundRule::require_next_hop, InboundRule::scrub_own_communities,
                            InboundRule::rpki_not_found_preference}));
  EXPECT_EQ(plan.max_length, 24);
  // Own prefixes default to what we announce, of the session's family only.
  EXPECT_EQ(plan.own_prefixes, std::vector<model::Prefix>{prefix("198.51.100.0/24")});
  EXPECT_EQ(plan.ixp_lan, std::vector<model::Prefix>{prefix("192.0.2.0/24")});
  EXPECT_EQ(plan.irr.size(), 2u);
  EXPECT_EQ(plan_inbound(input, v6_session()).max_length, 48);
}

TEST(PlanInbound, LooseRouteServerAndNoRpkiDropTheirRules) {
  RenderInput input = base_input(Daemon::frr);
  input.options.mode = FilterMode::loose;
  input.options.rpki.reset();
  SessionInput rs = v4_session();
  rs.neighbor.their_insert_asn = false;
  const InboundPlan plan = plan_inbound(input, rs);
  EXPECT_FALSE(plan.has(InboundRule::reject_not_in_irr));
  EXPECT_FALSE(plan.has(InboundRule::reject_rpki_invalid));
  EXPECT_FALSE(plan.has(InboundRule::rpki_not_found_preference));
  EXPECT_FALSE(plan.has(InboundRule::require_first_as));
  EXPECT_FALSE(plan.has(InboundRule::require_next_hop));
  EXPECT_TRUE(plan.has(InboundRule::reject_bogons));
  EXPECT_TRUE(plan.has(InboundRule::reject_private_asn));
}

TEST(PlanInbound, StrictWithoutIrrRoutesKeepsTheRuleSoNothingIsAccepted) {
  RenderInput input = base_input(Daemon::bird);
  SessionInput bare = v4_session();
  bare.irr_prefixes.clear();
  const InboundPlan plan = plan_inbound(input, bare);
  EXPECT_TRUE(plan.has(InboundRule::reject_not_in_irr));
  EXPECT_TRUE(plan.irr.empty());
}

TEST(PlanInbound, MonitoringNeighborIsRejectedOutright) {
  RenderInput input = base_input(Daemon::bird);
  SessionInput theirs = v4_session();
  theirs.neighbor.their_monitoring = true;
  EXPECT_EQ(plan_inbound(input, theirs).rules,
            std::vector<InboundRule>{InboundRule::reject_everything});
  // They still get what we announce.
  EXPECT_TRUE(plan_outbound(input, theirs).has(OutboundRule::export_announce));
}

TEST(PlanOutbound, OurMonitoringSideOrNothingDeclaredExportsNothing) {
  RenderInput input = base_input(Daemon::bird);
  SessionInput ours = v4_session();
  ours.neighbor.our_monitoring = true;
  EXPECT_EQ(plan_outbound(input, ours).rules,
            std::vector<OutboundRule>{OutboundRule::export_nothing});
  const OutboundPlan normal = plan_outbound(input, v6_session());
  EXPECT_EQ(normal.announce, std::vector<model::PrefixRange>{range("2001:db8:100::/40")});
  EXPECT_EQ(normal.max_length, 48);
  input.options.announce = {range("198.51.100.0/24")};
  EXPECT_TRUE(plan_outbound(input, v6_session()).has(OutboundRule::export_nothing));
}

TEST(Features, SecretChoosesTcpAoOnlyWhereTheDaemonHasIt) {
  RenderInput input = base_input(Daemon::bird);
  const auto has = [&](Feature feature) {
    const auto features = wanted_features(input, v4_session());
    return std::find(features.begin(), features.end(), feature) != features.end();
  };
  EXPECT_TRUE(has(Feature::tcp_md5));  // BIRD 2.0.12
  EXPECT_FALSE(has(Feature::tcp_ao));
  input.version = ok(DaemonVersion::parse("2.17"));
  EXPECT_TRUE(has(Feature::tcp_ao));
  input.version = ok(DaemonVersion::parse("3.0"));
  EXPECT_FALSE(has(Feature::tcp_ao));
  input.version = ok(DaemonVersion::parse("3.1"));
  EXPECT_TRUE(has(Feature::tcp_ao));
  input.options.prefer_tcp_ao = false;
  EXPECT_TRUE(has(Feature::tcp_md5));
  EXPECT_TRUE(has(Feature::gtsm));
  EXPECT_TRUE(has(Feature::bgp_role));
  EXPECT_FALSE(has(Feature::dampening));
}

TEST(Features, SupportTableMatchesTheDaemons) {
  EXPECT_TRUE(supports(Daemon::frr, default_version(Daemon::frr), Feature::dampening));
  EXPECT_FALSE(supports(Daemon::bird, default_version(Daemon::bird), Feature::dampening));
  EXPECT_FALSE(supports(Daemon::openbgpd, default_version(Daemon::openbgpd), Feature::dampening));
  EXPECT_FALSE(supports(Daemon::frr, default_version(Daemon::frr), Feature::tcp_ao));
  EXPECT_FALSE(supports(Daemon::bird, DaemonVersion{2, 0, 10}, Feature::bgp_role));
  EXPECT_TRUE(supports(Daemon::openbgpd, DaemonVersion{7, 7, 0}, Feature::bgp_role));
}

TEST(RuleComments, EveryRuleNamesItsReason) {
  for (int rule = 0; rule <= static_cast<int>(InboundRule::rpki_not_found_preference); ++rule)
    EXPECT_FALSE(rule_comment(static_cast<InboundRule>(rule)).empty()) << rule;
  for (int rule = 0; rule <= static_cast<int>(OutboundRule::reject_too_specific); ++rule)
    EXPECT_NE(rule_comment(static_cast<OutboundRule>(rule)).find("RFC 7454"), std::string::npos);
}

}  // namespace
}  // namespace peerapi::render

namespace peerapi::render {
namespace {

TEST(UniqueSessionNames, SharedTailsGetMoreDigitsAndANotice) {
  using namespace peerapi::testing::render_cases;
  RenderInput input = base_input(Daemon::frr);
  SessionInput twin = v6_session();
  twin.session_id = uuid("0290a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01");
  input.sessions = {v4_session(), twin, v6_session()};
  std::vector<Notice> notices;
  const auto names = unique_session_names(input, notices);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_NE(names[0], names[1]);
  EXPECT_TRUE(names[0].starts_with("as64501_0c1d2e3f4a01_"));
  EXPECT_EQ(names[2], "as64501_0c1d2e3f4a02");  // unique: session_name() itself
  EXPECT_EQ(notices.size(), 2u);
}

}  // namespace
}  // namespace peerapi::render

namespace peerapi::render {
namespace {

TEST(SharedIrrLists, OnePerPeerAndFamilyUnlessASessionDiffers) {
  using namespace peerapi::testing::render_cases;
  RenderInput input = base_input(Daemon::bird);
  SessionInput second_ix = v4_session();
  second_ix.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a09");
  SessionInput odd = v4_session();
  odd.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0a");
  odd.irr_prefixes = {range("203.0.113.0/24"), range("203.0.113.0/24")};  // duplicates go
  SessionInput theirs = v4_session();
  theirs.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a0b");
  theirs.neighbor.their_monitoring = true;
  input.sessions = {v4_session(), v6_session(), second_ix, odd, theirs};
  std::vector<Notice> notices;
  const auto names = unique_session_names(input, notices);
  const IrrLists lists = shared_irr_lists(input, names);
  ASSERT_EQ(lists.lists.size(), 3u);
  EXPECT_EQ(lists.lists[0].name, "as64501_0c1d2e3f4a0a_v4");
  EXPECT_EQ(lists.lists[0].prefixes, std::vector<model::PrefixRange>{range("203.0.113.0/24")});
  EXPECT_EQ(lists.lists[1].name, "as64501_v4");
  EXPECT_EQ(lists.lists[1].prefixes.size(), 2u);
  EXPECT_EQ(lists.lists[2].name, "as64501_v6");
  EXPECT_EQ(lists.lists[2].family, model::IpFamily::v6);
  EXPECT_EQ(lists.of_session, (std::vector<std::optional<std::size_t>>{1, 2, 1, 0, std::nullopt}));
  input.options.mode = FilterMode::loose;
  const IrrLists loose = shared_irr_lists(input, names);
  EXPECT_TRUE(loose.lists.empty());
  EXPECT_EQ(loose.of_session.size(), 5u);
}

}  // namespace
}  // namespace peerapi::render
