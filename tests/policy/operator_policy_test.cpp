#include "policy/operator_policy.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace peerapi::policy {
namespace {

using model::IpAddress;
using model::LocationId;
using model::SessionRequest;
using sources::peeringdb::Network;

model::Asn Asn(std::uint32_t number) {
  return *model::Asn::from_number(number);
}

SessionRequest session(const std::string& local_ip, std::uint32_t ix = 1,
                       model::BgpRole local_role = model::BgpRole::peer) {
  const bool v4 = local_ip.find(':') == std::string::npos;
  SessionRequest s{.local_asn = Asn(64501),
                   .local_ip = *IpAddress::parse(local_ip),
                   .peer_asn = Asn(64500),
                   .peer_ip = *IpAddress::parse(v4 ? "192.0.2.10" : "2001:db8:ffff::10"),
                   .local_bgp_role = local_role,
                   .peer_bgp_role = local_role == model::BgpRole::route_server_client
                                        ? model::BgpRole::route_server
                                        : model::BgpRole::peer,
                   .local_insert_asn = true,
                   .peer_insert_asn = true,
                   .local_monitoring_session = false,
                   .peer_monitoring_session = false,
                   .peer_type = model::LocationType::public_peering,
                   .session_secret = std::nullopt,
                   .location = LocationId::ix(ix)};
  return s;
}

Network network(std::string policy_general = "Open", std::optional<std::uint32_t> prefixes4 = 10,
                std::optional<std::uint32_t> prefixes6 = 5) {
  Network n{.id = 7,
            .org_id = 3,
            .asn = Asn(64501),
            .name = "Example 64501",
            .irr_as_set = "AS-EXAMPLE",
            .info_prefixes4 = prefixes4,
            .info_prefixes6 = prefixes6,
            .policy_general = std::move(policy_general),
            .info_type = "NSP"};
  return n;
}

RequesterFacts facts_with(const Network* record) {
  RequesterFacts facts(Asn(64501));
  facts.network = record;
  return facts;
}

Decision decide_one(const SessionRequest& s, const Rules& rules, const RequesterFacts& facts) {
  const SessionRequest* sessions[] = {&s};
  const RequesterFacts all[] = {facts};
  auto decisions = evaluate(sessions, rules, all);
  EXPECT_EQ(decisions.size(), 1U);
  return decisions.front();
}

std::vector<ErrorCode> codes(const Decision& decision) {
  std::vector<ErrorCode> out;
  for (const Reason& r : decision.reasons)
    out.push_back(r.error.code);
  return out;
}

TEST(OperatorPolicy, OpenNetworkWithDefaultsIsAccepted) {
  const Network record = network();
  const Decision d = decide_one(session("192.0.2.11"), Rules{}, facts_with(&record));
  EXPECT_EQ(d.verdict, Verdict::accept);
  EXPECT_TRUE(d.reasons.empty());
}

TEST(OperatorPolicy, PolicyGeneralMapsToVerdicts) {
  struct Case {
    std::string policy_general;
    Verdict expected;
  };
  for (const Case& c : {Case{"Open", Verdict::accept}, Case{"Selective", Verdict::review},
                        Case{"Restrictive", Verdict::review}, Case{"No", Verdict::reject},
                        Case{"", Verdict::review}, Case{"Whatever", Verdict::review}}) {
    SCOPED_TRACE(c.policy_general);
    const Network record = network(c.policy_general);
    const Decision d = decide_one(session("192.0.2.11"), Rules{}, facts_with(&record));
    EXPECT_EQ(d.verdict, c.expected);
    if (c.expected != Verdict::accept) {
      ASSERT_EQ(codes(d), std::vector{ErrorCode::peering_policy});
      EXPECT_EQ(d.reasons[0].error.field, "local_asn");
    }
  }
  Rules open_to_all;
  open_to_all.policy_general["Restrictive"] = Verdict::accept;
  const Network restrictive = network("Restrictive");
  EXPECT_EQ(decide_one(session("192.0.2.11"), open_to_all, facts_with(&restrictive)).verdict,
            Verdict::accept);
}

TEST(OperatorPolicy, MissingPeeringDbRecord) {
  EXPECT_EQ(codes(decide_one(session("192.0.2.11"), Rules{}, facts_with(nullptr))),
            std::vector{ErrorCode::no_peeringdb_record});
  Rules lenient;
  lenient.require_peeringdb = false;
  EXPECT_EQ(decide_one(session("192.0.2.11"), lenient, facts_with(nullptr)).verdict,
            Verdict::accept);
}

TEST(OperatorPolicy, DenyListWinsAndAllowListSkipsPeeringPolicyOnly) {
  const Network record = network("No");
  Rules rules;
  rules.deny_asns = {Asn(64501)};
  EXPECT_EQ(codes(decide_one(session("192.0.2.11"), rules, facts_with(&record))),
            std::vector{ErrorCode::asn_denied});

  Rules allow;
  allow.allow_asns = {Asn(64501)};
  allow.allow_ipv6 = false;
  EXPECT_EQ(decide_one(session("192.0.2.11"), allow, facts_with(&record)).verdict, Verdict::accept)
      << "policy_general No is skipped for an allowed ASN";
  EXPECT_EQ(codes(decide_one(session("2001:db8::11"), allow, facts_with(&record))),
            std::vector{ErrorCode::address_family_not_allowed})
      << "address families still apply";
}

TEST(OperatorPolicy, PrefixCountBounds) {
  Rules rules;
  rules.min_prefixes4 = 1;
  rules.max_prefixes4 = 100;
  rules.max_prefixes6 = 10;
  struct Case {
    std::optional<std::uint32_t> v4, v6;
    Verdict expected;
    std::size_t reasons;
  };
  for (const Case& c :
       {Case{10, 5, Verdict::accept, 0}, Case{0, 5, Verdict::reject, 1},
        Case{101, 11, Verdict::reject, 2}, Case{std::nullopt, 5, Verdict::review, 1},
        Case{100, 10, Verdict::accept, 0}}) {
    const Network record = network("Open", c.v4, c.v6);
    const Decision d = decide_one(session("192.0.2.11"), rules, facts_with(&record));
    EXPECT_EQ(d.verdict, c.expected);
    EXPECT_EQ(d.reasons.size(), c.reasons);
    for (const Reason& r : d.reasons)
      EXPECT_EQ(r.error.code, ErrorCode::prefix_count);
  }
}

TEST(OperatorPolicy, IrrAndRpkiRules) {
  const Network record = network();
  Rules rules;
  rules.require_irr_as_set = true;
  rules.reject_rpki_invalid = true;
  rules.min_rpki_valid_share = 0.9;

  RequesterFacts facts = facts_with(&record);
  EXPECT_EQ(codes(decide_one(session("192.0.2.11"), rules, facts)),
            std::vector{ErrorCode::irr_unavailable})
      << "no IRR facts: held for review, not rejected";
  EXPECT_EQ(decide_one(session("192.0.2.11"), rules, facts).verdict, Verdict::review);

  facts.irr = IrrFacts{.as_set = "AS-EXAMPLE",
                       .expanded = true,
                       .member_asns = 3,
                       .routes = 10,
                       .rov = std::nullopt};
  EXPECT_EQ(codes(decide_one(session("192.0.2.11"), rules, facts)),
            std::vector{ErrorCode::rpki_unavailable});

  facts.irr->rov = RovTally{.valid = 10, .invalid = 0, .not_found = 0};
  EXPECT_EQ(decide_one(session("192.0.2.11"), rules, facts).verdict, Verdict::accept);

  facts.irr->rov = RovTally{.valid = 8, .invalid = 1, .not_found = 1};
  const Decision both = decide_one(session("192.0.2.11"), rules, facts);
  EXPECT_EQ(both.verdict, Verdict::reject);
  EXPECT_EQ(codes(both),
            (std::vector{ErrorCode::rpki_invalid_routes, ErrorCode::rpki_valid_share}));
  EXPECT_NE(both.reasons[1].error.message.find("80.0%"), std::string::npos)
      << both.reasons[1].error.message;

  facts.irr->expanded = false;
  facts.irr->rov = RovTally{};
  const Decision missing = decide_one(session("192.0.2.11"), rules, facts);
  EXPECT_EQ(codes(missing),
            (std::vector{ErrorCode::irr_as_set_missing, ErrorCode::rpki_valid_share}))
      << "an empty IRR has no valid routes";
}

TEST(OperatorPolicy, CapsCountStoredAndEarlierSessionsOfTheRequest) {
  const Network record = network();
  Rules rules;
  rules.max_sessions_per_location = 2;
  rules.max_sessions_total = 3;
  RequesterFacts facts = facts_with(&record);
  facts.live_sessions_total = 1;
  facts.live_sessions_by_location["pdb:ix:1"] = 1;

  const SessionRequest a = session("192.0.2.11", 1);
  const SessionRequest b = session("2001:db8::11", 1);
  const SessionRequest c = session("198.51.100.11", 2);
  const SessionRequest d = session("203.0.113.11", 3);
  const SessionRequest* sessions[] = {&a, &b, &c, &d};
  const RequesterFacts all[] = {facts};
  const auto decisions = evaluate(sessions, rules, all);
  ASSERT_EQ(decisions.size(), 4U);
  EXPECT_EQ(decisions[0].verdict, Verdict::accept);                     // ix 1: 1 stored + 1
  EXPECT_EQ(codes(decisions[1]), std::vector{ErrorCode::session_cap});  // ix 1 would hold 3
  EXPECT_EQ(decisions[1].reasons[0].error.field, "location.id");
  EXPECT_EQ(decisions[2].verdict, Verdict::accept);                     // total 3
  EXPECT_EQ(codes(decisions[3]), std::vector{ErrorCode::session_cap});  // total would be 4
  EXPECT_EQ(decisions[3].reasons[0].error.field, "local_asn");
}

TEST(OperatorPolicy, LocationOverrides) {
  const Network record = network();
  Rules rules;
  rules.locations["pdb:ix:2"] = RuleOverrides{.allow_ipv4 = std::nullopt,
                                              .allow_ipv6 = false,
                                              .route_server_only = true,
                                              .max_sessions_per_location = std::nullopt,
                                              .verdict_override = std::nullopt};
  rules.locations["pdb:ix:3"] = RuleOverrides{.allow_ipv4 = std::nullopt,
                                              .allow_ipv6 = std::nullopt,
                                              .route_server_only = std::nullopt,
                                              .max_sessions_per_location = std::nullopt,
                                              .verdict_override = Verdict::review};
  const RequesterFacts facts = facts_with(&record);
  EXPECT_EQ(codes(decide_one(session("192.0.2.11", 2), rules, facts)),
            std::vector{ErrorCode::location_route_server_only});
  EXPECT_EQ(decide_one(session("192.0.2.11", 2, model::BgpRole::route_server_client), rules, facts)
                .verdict,
            Verdict::accept);
  EXPECT_EQ(codes(decide_one(session("2001:db8::11", 2, model::BgpRole::route_server_client), rules,
                             facts)),
            std::vector{ErrorCode::address_family_not_allowed});
  EXPECT_EQ(decide_one(session("2001:db8::11", 1), rules, facts).verdict, Verdict::accept)
      << "IPv6 is only off at ix 2";
  EXPECT_EQ(decide_one(session("192.0.2.11", 3), rules, facts).verdict, Verdict::review);
}

TEST(OperatorPolicy, ReviewRulesMatchOnEveryConditionGiven) {
  const Network record = network();
  Rules rules;
  rules.review_when.push_back(ReviewRule{.name = "small-ipv6-nsps",
                                         .asns = {},
                                         .locations = {"pdb:ix:1"},
                                         .policy_general = {"Open"},
                                         .info_types = {"NSP"},
                                         .family = model::IpFamily::v6,
                                         .max_prefixes = 100});
  const RequesterFacts facts = facts_with(&record);
  const Decision held = decide_one(session("2001:db8::11", 1), rules, facts);
  EXPECT_EQ(held.verdict, Verdict::review);
  ASSERT_EQ(codes(held), std::vector{ErrorCode::review_rule});
  EXPECT_NE(held.reasons[0].error.message.find("small-ipv6-nsps"), std::string::npos);
  EXPECT_EQ(decide_one(session("192.0.2.11", 1), rules, facts).verdict, Verdict::accept)
      << "family differs";
  EXPECT_EQ(decide_one(session("2001:db8::11", 2), rules, facts).verdict, Verdict::accept)
      << "location differs";
  const Network big = network("Open", 500, 50);
  EXPECT_EQ(decide_one(session("2001:db8::11", 1), rules, facts_with(&big)).verdict,
            Verdict::accept)
      << "announces more than max_prefixes";
}

TEST(OperatorPolicy, EveryFailingRuleIsReported) {
  const Network record = network("Restrictive", 0, 0);
  Rules rules;
  rules.min_prefixes4 = 1;
  rules.allow_ipv4 = false;
  const Decision d = decide_one(session("192.0.2.11"), rules, facts_with(&record));
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(codes(d), (std::vector{ErrorCode::address_family_not_allowed, ErrorCode::peering_policy,
                                   ErrorCode::prefix_count}));
}

TEST(OperatorPolicy, SessionWithoutFactsIsAnUnknownNetwork) {
  const SessionRequest s = session("192.0.2.11");
  const SessionRequest* sessions[] = {&s, nullptr};
  const auto decisions = evaluate(sessions, Rules{}, {});
  ASSERT_EQ(decisions.size(), 2U);
  EXPECT_EQ(codes(decisions[0]), std::vector{ErrorCode::no_peeringdb_record});
  EXPECT_EQ(decisions[1].verdict, Verdict::accept);
  EXPECT_TRUE(decisions[1].reasons.empty());
}

TEST(OperatorPolicy, CheckRulesNamesTheContradiction) {
  struct Case {
    std::string name;
    std::function<void(Rules&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"allowed and denied",
       [](Rules& r) {
         r.allow_asns = {Asn(64501)};
         r.deny_asns = {Asn(64501)};
       },
       "policy.allow_asns"},
      {"min above max v4",
       [](Rules& r) {
         r.min_prefixes4 = 10;
         r.max_prefixes4 = 5;
       },
       "policy.min_prefixes4"},
      {"min above max v6",
       [](Rules& r) {
         r.min_prefixes6 = 10;
         r.max_prefixes6 = 5;
       },
       "policy.min_prefixes6"},
      {"share above 1", [](Rules& r) { r.min_rpki_valid_share = 1.5; },
       "policy.min_rpki_valid_share"},
      {"share negative", [](Rules& r) { r.min_rpki_valid_share = -0.1; },
       "policy.min_rpki_valid_share"},
      {"zero cap", [](Rules& r) { r.max_sessions_per_location = 0; },
       "policy.max_sessions_per_location"},
      {"zero total", [](Rules& r) { r.max_sessions_total = 0; }, "policy.max_sessions_total"},
      {"no family",
       [](Rules& r) {
         r.allow_ipv4 = false;
         r.allow_ipv6 = false;
       },
       "policy.allow_ipv6"},
      {"zero location cap", [](Rules& r) { r.locations["pdb:ix:1"].max_sessions_per_location = 0; },
       "policy.locations.pdb:ix:1.max_sessions_per_location"},
  };
  EXPECT_TRUE(check_rules(Rules{}));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Rules rules;
    c.change(rules);
    auto checked = check_rules(rules);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, ErrorCode::config_invalid);
    EXPECT_EQ(checked.error().field, c.field);
  }
}

}  // namespace
}  // namespace peerapi::policy
