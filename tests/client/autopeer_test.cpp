// `peerapi autopeer`'s library: the pure selection of networks to ask (one skip reason for every
// network left out), the "already peering" pass and its limit, the state file (format, strict
// parsing, atomic save, lock), and the outcome recorded for an answer. PeeringDB data is built
// in the test from documentation ASNs and addresses; the peer API is an HTTP double.
#include "client/autopeer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/client_fixtures.hpp"
#include "support/http_double.hpp"
#include "support/test_support.hpp"

namespace peerapi::client {
namespace {

namespace json = boost::json;
namespace pdb = sources::peeringdb;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;
using peerapi::testing::TempDir;

constexpr std::int64_t kStart = 1'795'435'200'000;  // 2026-11-23T12:00:00Z
constexpr std::int64_t kHour = 3'600'000;

model::Asn as(std::int64_t n) {
  return *model::Asn::from_number(n);
}

struct Net {
  std::uint32_t id;
  std::uint32_t asn;
  std::string name;
  std::string policy;
  std::string prefixes4, prefixes6;  // JSON: a number or null
};

struct Port {
  std::uint32_t net_id;
  std::uint32_t asn;
  std::uint32_t ix;
  std::string ipaddr4, ipaddr6;  // JSON: a quoted address or null
  bool operational = true;
};

std::string address4(std::uint32_t ix, std::uint32_t host) {
  static const char* kLans[] = {"", "192.0.2.", "198.51.100.", "203.0.113."};
  return "\"" + std::string(kLans[ix]) + std::to_string(host) + "\"";
}

std::string address6(std::uint32_t ix, std::uint32_t host) {
  return "\"2001:db8:" + std::to_string(ix) + "::" + std::to_string(host) + "\"";
}

/// We are AS64501 at IX 1 and 2. Net ids have gaps, as PeeringDB's do.
std::shared_ptr<const pdb::Snapshot> world() {
  const std::vector<Net> nets{
      {1, 64501, "Us", "Open", "10", "10"},
      {3, 64496, "Open One", "Open", "20", "5"},
      {7, 64497, "No Endpoint", "Open", "20", "5"},
      {8, 64498, "Selective Net", "Selective", "20", "5"},
      {12, 64499, "Huge", "Open", "5000", "100"},
      {13, 64500, "Denied", "Open", "10", "10"},
      {20, 64502, "Elsewhere", "Open", "10", "10"},
      {21, 64503, "Asked Recently", "Open", "10", "10"},
      {22, 64504, "Port Down", "Open", "10", "10"},
      {30, 64505, "Asked Long Ago", "Open", "10", "10"},
      {31, 64506, "No Policy", "", "10", "10"},
      {32, 64507, "Unknown Counts", "Open", "null", "null"},
  };
  std::vector<Port> ports;
  auto both = [&](std::uint32_t net, std::uint32_t asn, std::uint32_t ix) {
    ports.push_back(Port{net, asn, ix, address4(ix, net), address6(ix, net)});
  };
  both(1, 64501, 1);
  both(1, 64501, 2);
  both(3, 64496, 1);
  both(7, 64497, 2);
  both(8, 64498, 1);
  both(12, 64499, 1);
  both(13, 64500, 1);
  both(13, 64500, 2);
  both(20, 64502, 3);
  both(21, 64503, 1);
  ports.push_back(Port{22, 64504, 1, address4(1, 22), address6(1, 22), false});
  both(30, 64505, 2);
  both(31, 64506, 1);
  both(32, 64507, 1);

  pdb::SnapshotBuilder builder;
  auto add = [&](const std::string& type, const std::string& rows) {
    auto added = builder.add_document(type, "{\"data\": [" + rows + "]}");
    EXPECT_TRUE(added.has_value()) << type << ": " << added.error().message;
  };
  add("org", R"({"id": 1, "name": "Org"})");
  std::string rows;
  for (const Net& n : nets) {
    rows += std::string(rows.empty() ? "" : ",") + R"({"id": )" + std::to_string(n.id) +
            R"(, "org_id": 1, "asn": )" + std::to_string(n.asn) + R"(, "name": ")" + n.name +
            R"(", "irr_as_set": "", "info_prefixes4": )" + n.prefixes4 + R"(, "info_prefixes6": )" +
            n.prefixes6 + R"(, "policy_general": ")" + n.policy + R"(", "info_type": "NSP"})";
  }
  add("net", rows);
  add("ix", R"({"id": 1, "org_id": 1, "name": "IX One"}, {"id": 2, "org_id": 1, "name": "IX Two"},
               {"id": 3, "org_id": 1, "name": "IX Three"})");
  add("ixlan", R"({"id": 1, "ix_id": 1}, {"id": 2, "ix_id": 2}, {"id": 3, "ix_id": 3})");
  add("ixpfx", R"({"id": 1, "ixlan_id": 1, "protocol": "IPv4", "prefix": "192.0.2.0/24"},
                  {"id": 2, "ixlan_id": 1, "protocol": "IPv6", "prefix": "2001:db8:1::/64"},
                  {"id": 3, "ixlan_id": 2, "protocol": "IPv4", "prefix": "198.51.100.0/24"},
                  {"id": 4, "ixlan_id": 2, "protocol": "IPv6", "prefix": "2001:db8:2::/64"},
                  {"id": 5, "ixlan_id": 3, "protocol": "IPv4", "prefix": "203.0.113.0/24"},
                  {"id": 6, "ixlan_id": 3, "protocol": "IPv6", "prefix": "2001:db8:3::/64"})");
  rows.clear();
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const Port& p = ports[i];
    rows += std::string(rows.empty() ? "" : ",") + R"({"id": )" + std::to_string(i + 1) +
            R"(, "net_id": )" + std::to_string(p.net_id) + R"(, "ix_id": )" + std::to_string(p.ix) +
            R"(, "ixlan_id": )" + std::to_string(p.ix) + R"(, "asn": )" + std::to_string(p.asn) +
            R"(, "ipaddr4": )" + p.ipaddr4 + R"(, "ipaddr6": )" + p.ipaddr6 +
            R"(, "speed": 10000, "is_rs_peer": false, "operational": )" +
            (p.operational ? "true" : "false") + "}";
  }
  add("netixlan", rows);
  auto [snapshot, report] = std::move(builder).build();
  EXPECT_TRUE(report.problems.empty()) << report.problems.front();
  return snapshot;
}

/// Endpoints for every network of world() but AS64497.
EndpointLookup endpoints() {
  return [](model::Asn asn) -> Result<std::optional<Endpoint>> {
    if (asn == as(64497))
      return std::optional<Endpoint>();
    return std::optional<Endpoint>(
        Endpoint{.url = "https://peering.as" + std::to_string(asn.value()) + ".example/api",
                 .origin = EndpointOrigin::directory,
                 .source = "peers.json entry 0"});
  };
}

AutopeerState recent_state() {
  AutopeerState state;
  state.record(AskRecord{.asn = as(64505),
                         .last_asked_ms = kStart - 240 * kHour,
                         .outcome = AskOutcome::rejected,
                         .next_allowed_ms = kStart - kHour});
  state.record(AskRecord{.asn = as(64503),
                         .last_asked_ms = kStart - kHour,
                         .outcome = AskOutcome::accepted,
                         .next_allowed_ms = kStart + kHour});
  return state;
}

std::vector<std::uint32_t> asns_of(const std::vector<AutopeerCandidate>& list) {
  std::vector<std::uint32_t> out;
  for (const auto& c : list)
    out.push_back(c.asn.value());
  return out;
}

std::vector<std::string> sessions_of(const AutopeerCandidate& candidate) {
  std::vector<std::string> out;
  for (const auto& s : candidate.plan.sessions)
    out.push_back(s.location.to_string() + " " + s.local_ip.to_string() + ">" +
                  s.peer_ip.to_string());
  return out;
}

TEST(AutopeerSelection, EveryNetworkAtOurIxsIsAskedOrSkippedWithOneReason) {
  const auto snapshot = world();
  AutopeerPolicy policy;
  policy.deny_asns = {as(64500)};
  policy.max_prefixes4 = 1000;
  const AutopeerState state = recent_state();
  auto selection = select_networks(AutopeerInput{.snapshot = *snapshot,
                                                 .local_asn = as(64501),
                                                 .policy = policy,
                                                 .state = state,
                                                 .now_ms = kStart},
                                   endpoints());
  ASSERT_TRUE(selection.has_value()) << selection.error().message;
  EXPECT_EQ(selection->exchanges, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(selection->considered, 10u) << "every net but ours and the one at IX 3 only";
  EXPECT_TRUE(selection->notes.empty());
  ASSERT_EQ(asns_of(selection->candidates), (std::vector<std::uint32_t>{64496, 64505}));
  const AutopeerCandidate& first = selection->candidates[0];
  EXPECT_EQ(first.name, "Open One");
  EXPECT_EQ(first.endpoint.url, "https://peering.as64496.example/api");
  EXPECT_EQ(sessions_of(first), (std::vector<std::string>{"pdb:ix:1 192.0.2.1>192.0.2.3",
                                                          "pdb:ix:1 2001:db8:1::1>2001:db8:1::3"}));
  for (const auto& s : first.plan.sessions) {
    EXPECT_EQ(s.local_asn, as(64501));
    EXPECT_EQ(s.peer_asn, as(64496));
    EXPECT_EQ(s.local_bgp_role, model::BgpRole::peer);
    EXPECT_FALSE(s.session_secret.has_value());
  }
  EXPECT_EQ(sessions_of(selection->candidates[1]),
            (std::vector<std::string>{"pdb:ix:2 198.51.100.1>198.51.100.30",
                                      "pdb:ix:2 2001:db8:2::1>2001:db8:2::30"}))
      << "its back-off has passed";

  struct Expected {
    std::uint32_t asn;
    SkipReason reason;
    std::string fragment;
  };
  const std::vector<Expected> expected{
      {64497, SkipReason::no_endpoint, "no Peering API endpoint"},
      {64498, SkipReason::not_open, "policy is Selective"},
      {64499, SkipReason::policy, "5000 IPv4 prefixes, more than max_prefixes4 = 1000"},
      {64500, SkipReason::policy, "client.autopeer.deny_asns"},
      {64503, SkipReason::backed_off,
       "asked 2026-11-23T11:00:00.000Z (accepted); not asked again before "
       "2026-11-23T13:00:00.000Z"},
      {64504, SkipReason::policy, "no session possible"},
      {64506, SkipReason::not_open, "gives no general peering policy"},
      {64507, SkipReason::policy, "does not say how many IPv4 prefixes"},
  };
  ASSERT_EQ(selection->skipped.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const SkippedNetwork& s = selection->skipped[i];
    EXPECT_EQ(s.asn.value(), expected[i].asn) << i;
    EXPECT_EQ(s.reason, expected[i].reason) << s.asn.to_string() << ": " << to_string(s.reason);
    EXPECT_NE(s.detail.find(expected[i].fragment), std::string::npos)
        << s.asn.to_string() << ": " << s.detail;
  }
  EXPECT_EQ(selection->skipped[1].name, "Selective Net");
}

TEST(AutopeerSelection, IxAllowListAndFamilyNarrowIt) {
  const auto snapshot = world();
  AutopeerPolicy policy;
  policy.ixs = {2, 9};
  policy.family = model::IpFamily::v6;
  policy.deny_asns = {as(64500)};
  const AutopeerState state;
  auto selection = select_networks(AutopeerInput{.snapshot = *snapshot,
                                                 .local_asn = as(64501),
                                                 .policy = policy,
                                                 .state = state,
                                                 .now_ms = kStart},
                                   endpoints());
  ASSERT_TRUE(selection.has_value()) << selection.error().message;
  EXPECT_EQ(selection->exchanges, std::vector<std::uint32_t>{2});
  ASSERT_EQ(selection->notes.size(), 1u);
  EXPECT_EQ(selection->notes[0],
            "pdb:ix:9 (client.autopeer.ixs): AS64501 has no port there in PeeringDB");
  EXPECT_EQ(selection->considered, 3u) << "AS64497, AS64500, AS64505 are at IX 2";
  ASSERT_EQ(asns_of(selection->candidates), std::vector<std::uint32_t>{64505});
  EXPECT_EQ(sessions_of(selection->candidates[0]),
            std::vector<std::string>{"pdb:ix:2 2001:db8:2::1>2001:db8:2::30"});
  ASSERT_EQ(selection->skipped.size(), 2u);
  EXPECT_EQ(selection->skipped[0].reason, SkipReason::no_endpoint);
  EXPECT_EQ(selection->skipped[1].reason, SkipReason::policy);

  AutopeerPolicy nowhere;
  nowhere.ixs = {3};
  auto empty = select_networks(AutopeerInput{.snapshot = *snapshot,
                                             .local_asn = as(64501),
                                             .policy = nowhere,
                                             .state = state,
                                             .now_ms = kStart},
                               endpoints());
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->exchanges.empty());
  EXPECT_EQ(empty->considered, 0u);
  EXPECT_EQ(empty->notes.size(), 2u) << "IX 3 is not ours, so nothing is left to look at";
}

TEST(AutopeerSelection, ErrorsOfTheInputs) {
  const auto snapshot = world();
  const AutopeerPolicy policy;
  const AutopeerState state;
  auto stranger = select_networks(AutopeerInput{.snapshot = *snapshot,
                                                .local_asn = as(65551),
                                                .policy = policy,
                                                .state = state,
                                                .now_ms = kStart},
                                  endpoints());
  ASSERT_FALSE(stranger.has_value());
  EXPECT_EQ(stranger.error().code, ErrorCode::not_found);
  EXPECT_EQ(stranger.error().field, "local_asn");

  auto broken = select_networks(AutopeerInput{.snapshot = *snapshot,
                                              .local_asn = as(64501),
                                              .policy = policy,
                                              .state = state,
                                              .now_ms = kStart},
                                [](model::Asn) -> Result<std::optional<Endpoint>> {
                                  return fail(ErrorCode::data_invalid, "[3].url",
                                              "peers.json: entry 3: bad URL");
                                });
  ASSERT_FALSE(broken.has_value()) << "a broken endpoint source is not \"no endpoint\"";
  EXPECT_EQ(broken.error().field, "[3].url");
}

TEST(AutopeerSelection, EndpointFinderNotFoundMeansNoEndpoint) {
  EndpointFinder finder;
  finder.add(std::make_unique<ManualEndpoints>(std::vector<std::pair<model::Asn, std::string>>{
      {as(64496), "https://peering.as64496.example/api"}}));
  const EndpointLookup lookup = lookup_with(finder);
  auto known = lookup(as(64496));
  ASSERT_TRUE(known.has_value());
  ASSERT_TRUE(known->has_value());
  EXPECT_EQ((*known)->origin, EndpointOrigin::manual);
  auto unknown = lookup(as(64497));
  ASSERT_TRUE(unknown.has_value());
  EXPECT_FALSE(unknown->has_value());
}

TEST(AutopeerSelection, PolicyFromTheConfiguration) {
  config::ClientAutopeerSection section;
  section.state_file = "s.json";
  section.backoff_hours = 2;
  section.ixs = {5, 1};
  section.ipv4 = false;
  section.max_prefixes6 = 7;
  section.max_new_networks = 4;
  const AutopeerPolicy policy = autopeer_policy(section);
  EXPECT_EQ(policy.ixs, (std::vector<std::uint32_t>{1, 5}));
  EXPECT_EQ(policy.family, model::IpFamily::v6);
  EXPECT_EQ(policy.max_prefixes6, 7u);
  EXPECT_EQ(policy.max_new_networks, 4u);
  EXPECT_EQ(policy.backoff_ms, 2 * kHour);
  section.ipv4 = true;
  EXPECT_FALSE(autopeer_policy(section).family.has_value()) << "both families";
}

AutopeerSelection four_candidates() {
  AutopeerSelection selection;
  for (std::uint32_t asn : {64496, 64497, 64498, 64499})
    selection.candidates.push_back(AutopeerCandidate{.asn = as(asn), .name = "n"});
  selection.skipped.push_back(
      SkippedNetwork{.asn = as(64510), .name = "x", .reason = SkipReason::not_open});
  return selection;
}

TEST(AutopeerConfirm, PeeringNetworksAndFailedChecksAreSkippedAndTheLimitHolds) {
  std::vector<std::uint32_t> checked;
  const PeeringCheck check = [&](const AutopeerCandidate& c) -> ClientResult<std::size_t> {
    checked.push_back(c.asn.value());
    if (c.asn == as(64497))
      return std::size_t{2};
    if (c.asn == as(64498)) {
      ClientError e;
      e.kind = FailureKind::transport;
      e.error = Error{ErrorCode::io_error, "url", "connection refused"};
      return std::unexpected(e);
    }
    return std::size_t{0};
  };
  AutopeerSelection all = four_candidates();
  confirm_candidates(all, 10, check);
  EXPECT_EQ(checked, (std::vector<std::uint32_t>{64496, 64497, 64498, 64499}));
  EXPECT_EQ(asns_of(all.candidates), (std::vector<std::uint32_t>{64496, 64499}));
  ASSERT_EQ(all.skipped.size(), 3u);
  EXPECT_EQ(all.skipped[0].reason, SkipReason::already_peering);
  EXPECT_EQ(all.skipped[0].detail, "2 live session(s) of ours at its API");
  EXPECT_EQ(all.skipped[1].reason, SkipReason::check_failed);
  EXPECT_NE(all.skipped[1].detail.find("connection refused"), std::string::npos);
  EXPECT_EQ(all.skipped[2].asn, as(64510)) << "kept in ASN order";

  checked.clear();
  AutopeerSelection limited = four_candidates();
  confirm_candidates(limited, 1, check);
  EXPECT_EQ(checked, std::vector<std::uint32_t>{64496}) << "no check beyond the limit";
  EXPECT_EQ(asns_of(limited.candidates), std::vector<std::uint32_t>{64496});
  ASSERT_EQ(limited.skipped.size(), 4u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(limited.skipped[k].asn.value(), 64497u + k);
    EXPECT_EQ(limited.skipped[k].reason, SkipReason::limit);
  }
  EXPECT_EQ(limited.skipped[0].detail, "client.autopeer.max_new_networks = 1 reached in this run");
  EXPECT_EQ(limited.skipped[3].reason, SkipReason::not_open) << "the earlier skip, in ASN order";
}

std::string session_json(const std::string& id, std::uint32_t peer, const std::string& status) {
  return R"({"session_id": ")" + id + R"(", "request_id": "01890a5d-ac96-774b-bcce-b302099a8058",
    "local_asn": 64501, "local_ip": "192.0.2.1", "peer_asn": )" +
         std::to_string(peer) + R"(, "peer_ip": "192.0.2.3",
    "local_bgp_role": 4, "peer_bgp_role": 4, "local_insert_asn": true, "peer_insert_asn": true,
    "local_monitoring_session": false, "peer_monitoring_session": false, "peer_type": "public",
    "location": {"id": "pdb:ix:1", "type": "public"}, "status": ")" +
         status + R"(", "created_at": "2026-11-23T12:00:00.000Z",
    "updated_at": "2026-11-23T12:00:00.000Z"})";
}

TEST(AutopeerConfirm, LiveSessionsAreCountedAcrossPagesForThatPeerOnly) {
  HttpDouble server;
  server.set_handler("/sessions", [](const peerapi::testing::RecordedRequest& r) {
    if (r.target.find("next_token=page2") == std::string::npos)
      return json_response(
          "{\"sessions\": [" +
          session_json("01890a5d-ac96-774b-bcce-b302099a8001", 64496, "established") + "," +
          session_json("01890a5d-ac96-774b-bcce-b302099a8002", 64496, "deleted") +
          "], \"next_token\": \"page2\"}");
    return json_response(
        "{\"sessions\": [" +
        session_json("01890a5d-ac96-774b-bcce-b302099a8003", 64511, "established") + "," +
        session_json("01890a5d-ac96-774b-bcce-b302099a8004", 64496, "pending") + "," +
        session_json("01890a5d-ac96-774b-bcce-b302099a8005", 64496, "rejected") + "]}");
  });
  net::HttpClientOptions options;
  options.policy.allow_loopback_http = true;
  net::CurlHttpClient http(options);
  util::ManualClock clock(kStart);
  test::ScriptedRandom random;
  test::ClockSleeper sleeper(clock);
  ClientOptions client_options;
  client_options.base_url = server.origin();
  client_options.access_token = "dev-token-64501";
  PeerApiClient api(client_options, http, clock, random, sleeper);
  auto live = count_live_sessions(api, as(64501), as(64496));
  ASSERT_TRUE(live.has_value()) << live.error().describe();
  EXPECT_EQ(*live, 2u) << "established and pending, not deleted, rejected or another ASN's";
  EXPECT_EQ(server.hits("/sessions"), 2);
  EXPECT_NE(server.requests()[0].target.find("asn=64501"), std::string::npos);

  server.set("/sessions", json_response(R"({"errors": [{"name": "", "code": "forbidden",
                                            "errors": ["no"]}]})",
                                        403));
  auto refused = count_live_sessions(api, as(64501), as(64496));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().http_status, 403);
}

model::Session decoded_session() {
  auto session = decode_session(
      json::parse(session_json("01890a5d-ac96-774b-bcce-b302099a8001", 64496, "approved")), "");
  EXPECT_TRUE(session.has_value());
  return *session;
}

TEST(AutopeerOutcome, EachAnswerBecomesARecord) {
  const model::Uuid request_id = *model::Uuid::parse("01890a5d-ac96-774b-bcce-b302099a80aa");
  CreateAnswer answer{.http_status = 200,
                      .request_id = request_id,
                      .client_request_id = std::nullopt,
                      .accepted = {AcceptedSession{decoded_session(), {}}},
                      .rejected = {},
                      .errors = {},
                      .contact_email = std::nullopt};
  const AskRecord all = ask_record(as(64496), answer, kStart, 5 * kHour);
  EXPECT_EQ(all.outcome, AskOutcome::accepted);
  EXPECT_EQ(all.last_asked_ms, kStart);
  EXPECT_EQ(all.next_allowed_ms, kStart + 5 * kHour);
  EXPECT_EQ(all.request_id, request_id);
  EXPECT_EQ(all.accepted, 1u);
  EXPECT_EQ(all.rejected, 0u);

  answer.rejected.push_back(RejectedSession{});
  EXPECT_EQ(ask_record(as(64496), answer, kStart, kHour).outcome, AskOutcome::partial);
  answer.accepted.clear();
  answer.http_status = 422;
  const AskRecord refused = ask_record(as(64496), answer, kStart, kHour);
  EXPECT_EQ(refused.outcome, AskOutcome::rejected);
  EXPECT_EQ(refused.rejected, 1u);

  ClientError e;
  e.kind = FailureKind::http;
  e.http_status = 403;
  e.error = Error{ErrorCode::forbidden, "", "not yours"};
  const AskRecord failed =
      ask_record(as(64496), ClientResult<CreateAnswer>(std::unexpected(e)), kStart, kHour);
  EXPECT_EQ(failed.outcome, AskOutcome::failed);
  EXPECT_EQ(failed.detail, "HTTP 403: not yours");
  EXPECT_FALSE(failed.request_id.has_value());
  EXPECT_EQ(failed.next_allowed_ms, kStart + kHour) << "a failed request backs off as well";
}

AutopeerState two_records() {
  AutopeerState state;
  state.record(AskRecord{.asn = as(65550),
                         .last_asked_ms = kStart,
                         .outcome = AskOutcome::failed,
                         .next_allowed_ms = kStart + kHour,
                         .request_id = std::nullopt,
                         .accepted = 0,
                         .rejected = 0,
                         .detail = "HTTP 503: busy"});
  state.record(AskRecord{.asn = as(64496),
                         .last_asked_ms = kStart,
                         .outcome = AskOutcome::partial,
                         .next_allowed_ms = kStart + 168 * kHour,
                         .request_id = *model::Uuid::parse("01890a5d-ac96-774b-bcce-b302099a80aa"),
                         .accepted = 2,
                         .rejected = 1});
  return state;
}

TEST(AutopeerStateFile, HasOneLinePerNetworkAndReadsBack) {
  const std::string text = encode_state(two_records());
  EXPECT_EQ(text,
            "{\"version\": 1, \"networks\": [\n"
            "  {\"asn\":64496,\"last_asked\":\"2026-11-23T12:00:00.000Z\",\"outcome\":\"partial\","
            "\"next_allowed\":\"2026-11-30T12:00:00.000Z\",\"accepted\":2,\"rejected\":1,"
            "\"request_id\":\"01890a5d-ac96-774b-bcce-b302099a80aa\"},\n"
            "  {\"asn\":65550,\"last_asked\":\"2026-11-23T12:00:00.000Z\",\"outcome\":\"failed\","
            "\"next_allowed\":\"2026-11-23T13:00:00.000Z\",\"accepted\":0,\"rejected\":0,"
            "\"detail\":\"HTTP 503: busy\"}\n"
            "]}\n");
  auto parsed = parse_state(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().field << ": " << parsed.error().message;
  ASSERT_EQ(parsed->records().size(), 2u);
  EXPECT_EQ(encode_state(*parsed), text);
  const AskRecord* found = parsed->find(as(65550));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->detail, "HTTP 503: busy");
  EXPECT_EQ(parsed->find(as(64497)), nullptr);
  EXPECT_EQ(encode_state(AutopeerState()), "{\"version\": 1, \"networks\": []}\n");

  AutopeerState replaced = *parsed;
  replaced.record(AskRecord{.asn = as(64496), .last_asked_ms = kStart + kHour});
  EXPECT_EQ(replaced.records().size(), 2u);
  EXPECT_EQ(replaced.find(as(64496))->accepted, 0u);
}

struct BadState {
  std::string name;
  std::string text;
  std::string field;
};

class BadStateFiles : public ::testing::TestWithParam<BadState> {};

TEST_P(BadStateFiles, AreDataInvalidAtTheMember) {
  auto state = parse_state(GetParam().text);
  ASSERT_FALSE(state.has_value()) << GetParam().name;
  EXPECT_EQ(state.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(state.error().field, GetParam().field) << state.error().message;
}

std::string with_entry(const std::string& members) {
  return R"({"version": 1, "networks": [{"asn": 64496, "last_asked": "2026-11-23T12:00:00Z",
            "next_allowed": "2026-11-24T12:00:00Z", "outcome": "accepted")" +
         members + "}]}";
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadStateFiles,
    ::testing::Values(
        BadState{"not_json", "{", ""}, BadState{"array", "[]", ""},
        BadState{"other_version", R"({"version": 2, "networks": []})", "version"},
        BadState{"no_networks", R"({"version": 1})", "networks"},
        BadState{"unknown_top", R"({"version": 1, "networks": [], "x": 1})", "x"},
        BadState{"entry_not_object", R"({"version": 1, "networks": [3]})", "networks[0]"},
        BadState{"no_asn", R"({"version": 1, "networks": [{"outcome": "failed"}]})",
                 "networks[0].asn"},
        BadState{"reserved_asn",
                 R"({"version": 1, "networks": [{"asn": 23456, "outcome": "failed"}]})",
                 "networks[0].asn"},
        BadState{"bad_time",
                 R"({"version": 1, "networks": [{"asn": 64496, "last_asked": "yesterday"}]})",
                 "networks[0].last_asked"},
        BadState{"no_next_allowed",
                 R"({"version": 1, "networks": [{"asn": 64496,
                     "last_asked": "2026-11-23T12:00:00Z"}]})",
                 "networks[0].next_allowed"},
        BadState{"bad_outcome",
                 R"({"version": 1, "networks": [{"asn": 64496, "last_asked": "2026-11-23T12:00:00Z",
                     "next_allowed": "2026-11-24T12:00:00Z", "outcome": "maybe"}]})",
                 "networks[0].outcome"},
        BadState{"bad_request_id", with_entry(R"(, "request_id": "nope")"),
                 "networks[0].request_id"},
        BadState{"negative_count", with_entry(R"(, "accepted": -1)"), "networks[0].accepted"},
        BadState{"detail_number", with_entry(R"(, "detail": 5)"), "networks[0].detail"},
        BadState{"unknown_member", with_entry(R"(, "note": "x")"), "networks[0].note"},
        BadState{"asn_twice",
                 R"({"version": 1, "networks": [
                     {"asn": 64496, "last_asked": "2026-11-23T12:00:00Z",
                      "next_allowed": "2026-11-24T12:00:00Z", "outcome": "accepted"},
                     {"asn": 64496, "last_asked": "2026-11-23T12:00:00Z",
                      "next_allowed": "2026-11-24T12:00:00Z", "outcome": "failed"}]})",
                 "networks[1].asn"}),
    [](const ::testing::TestParamInfo<BadState>& row) { return row.param.name; });

TEST(AutopeerStateFile, LoadSaveAndLock) {
  TempDir dir;
  const auto file = dir.path() / "autopeer.json";
  auto first = load_state(file);
  ASSERT_TRUE(first.has_value()) << "no file yet: the first run";
  EXPECT_TRUE(first->records().empty());

  ASSERT_TRUE(save_state(file, two_records()).has_value());
  auto loaded = load_state(file);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(encode_state(*loaded), encode_state(two_records()));

  peerapi::testing::write_file(file, R"({"version": 1, "networks": [{"asn": "x"}]})");
  auto broken = load_state(file);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().field, "networks[0].asn");
  EXPECT_NE(broken.error().message.find(file.string() + ": networks[0].asn: "), std::string::npos)
      << broken.error().message;

  auto lock = StateLock::acquire(file);
  ASSERT_TRUE(lock.has_value()) << lock.error().message;
  auto second = StateLock::acquire(file);
  ASSERT_FALSE(second.has_value()) << "another run holds it";
  EXPECT_EQ(second.error().code, ErrorCode::unavailable);
  {
    const StateLock moved(std::move(*lock));
    EXPECT_FALSE(StateLock::acquire(file).has_value()) << "the moved lock still holds";
  }
  EXPECT_TRUE(StateLock::acquire(file).has_value()) << "released with its holder";
}

}  // namespace
}  // namespace peerapi::client
