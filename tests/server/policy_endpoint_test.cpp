// The operator policy through POST /sessions: rejected sessions carry the policy's reason codes,
// held ones are pending with their reasons, and every decision is in the session history.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "server/api_fixture.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

std::string request_of(std::string sessions) {
  return R"({"sessions":[)" + sessions + "]}";
}

/// AS64502 (PeeringDB policy_general "Selective") at DOC-IX Frankfurt (pdb:ix:1).
std::string session_64502() {
  return R"({"local_asn":64502,"local_ip":"192.0.2.12","peer_asn":64500,)"
         R"("peer_ip":"192.0.2.10","location":"pdb:ix:1"})";
}

std::string first_code(const json::value& entry) {
  return std::string(entry.at("errors").as_array().at(0).at("code").as_string());
}

TEST(PolicyEndpoint, SelectiveRequesterIsHeldForReviewWithItsReason) {
  ApiFixture api;
  const auto response = api.call("POST", "/sessions", request_of(session_64502()), kToken64502);
  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = ApiFixture::parse(response);
  const json::value& session = body.at("sessions").at(0);
  EXPECT_EQ(session.at("status").as_string(), "pending");
  const json::array& reasons = session.at("policy_reasons").as_array();
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].at("code").as_string(), "peering_policy");
  EXPECT_EQ(reasons[0].at("name").as_string(), "local_asn");

  auto id = model::Uuid::parse(session.at("session_id").as_string());
  ASSERT_TRUE(id.has_value());
  auto history = api.store().history(*id);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_TRUE(history->front().note.starts_with("policy review; peering_policy: "))
      << history->front().note;
}

TEST(PolicyEndpoint, OpenRequesterIsApprovedWithoutReasons) {
  ApiFixture api;
  const auto response = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = ApiFixture::parse(response);
  const json::value& session = body.at("sessions").at(0);
  EXPECT_EQ(session.at("status").as_string(), "approved");
  EXPECT_FALSE(session.as_object().contains("policy_reasons"));
}

TEST(PolicyEndpoint, DeniedRequesterGets422WithTheReasonCode) {
  ApiFixture api("auto", "[policy]\ndeny_asns = [64501]\n");
  const auto response = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(response.status, 422) << response.body;
  const json::value body = ApiFixture::parse(response);
  ASSERT_EQ(body.at("rejected").as_array().size(), 1u);
  const json::value& rejected = body.at("rejected").at(0);
  EXPECT_EQ(first_code(rejected), "asn_denied");
  EXPECT_EQ(rejected.at("errors").at(0).at("name").as_string(), "sessions[0].local_asn");
  EXPECT_EQ(*api.store().count_sessions(), 0) << "a rejected session is not stored";
}

TEST(PolicyEndpoint, CapCountsStoredSessionsAndTheRequestsOwn) {
  ApiFixture api("auto", "[policy]\nmax_sessions_per_location = 1\n");
  const auto both = api.call("POST", "/sessions", request_of(session_v4() + "," + session_v6()));
  ASSERT_EQ(both.status, 200) << both.body;
  const json::value body = ApiFixture::parse(both);
  EXPECT_EQ(body.at("sessions").as_array().size(), 1u);
  ASSERT_EQ(body.at("rejected").as_array().size(), 1u);
  EXPECT_EQ(first_code(body.at("rejected").at(0)), "session_cap");

  const auto again = api.call("POST", "/sessions", request_of(session_v6()));
  ASSERT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(first_code(ApiFixture::parse(again).at("rejected").at(0)), "session_cap");
}

TEST(PolicyEndpoint, RouteServerOnlyLocationRefusesBilateralSessions) {
  ApiFixture api("auto", "[policy.locations.\"pdb:ix:1\"]\nroute_server_only = true\n");
  const auto response = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(response.status, 422) << response.body;
  const json::value body = ApiFixture::parse(response);
  const json::value& rejected = body.at("rejected").at(0);
  EXPECT_EQ(first_code(rejected), "location_route_server_only");
  EXPECT_EQ(rejected.at("errors").at(0).at("name").as_string(), "sessions[0].location.id");
}

TEST(PolicyEndpoint, ReviewRuleHoldsAnOtherwiseAcceptedSession) {
  ApiFixture api("auto", "[[policy.review_when]]\nname = \"ipv6 first\"\nfamily = 6\n");
  const auto response =
      api.call("POST", "/sessions", request_of(session_v4() + "," + session_v6()));
  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = ApiFixture::parse(response);
  const json::array& sessions = body.at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].at("status").as_string(), "approved");
  EXPECT_EQ(sessions[1].at("status").as_string(), "pending");
  EXPECT_EQ(sessions[1].at("policy_reasons").at(0).at("code").as_string(), "review_rule");
}

}  // namespace
}  // namespace peerapi::testing

namespace peerapi::testing {
namespace {

std::string irr_config(std::string_view source) {
  return "[policy]\nrequire_irr_as_set = true\n[sources.irr]\n" + std::string(source);
}

TEST(PolicyEndpointIrr, RequesterWhoseAsSetExpandsIsAcceptedOtherIsRejected) {
  ApiFixture api("auto", irr_config("dumps = [\"" +
                                    (source_dir() / "examples/irr/example.db").string() + "\"]\n"));
  const auto accepted = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(ApiFixture::parse(accepted).at("sessions").at(0).at("status").as_string(), "approved");

  // AS64502 names AS-EXAMPLE-CONTENT in PeeringDB, which the IRR does not have.
  const auto rejected = api.call("POST", "/sessions", request_of(session_64502()), kToken64502);
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  const json::value body = ApiFixture::parse(rejected);
  bool named = false;
  for (const auto& e : body.at("rejected").at(0).at("errors").as_array())
    named = named || e.at("code").as_string() == "irr_as_set_missing";
  EXPECT_TRUE(named) << rejected.body;
}

TEST(PolicyEndpointIrr, UnreachableIrrdHoldsForReview) {
  // Port 1 on loopback: nothing listens, the connection is refused at once. The outbound guard
  // lets loopback through only when [outbound] allows it.
  ApiFixture api("auto", irr_config("irrd = \"127.0.0.1:1\"\n[outbound]\nallow_loopback = true\n"));
  const auto response = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = ApiFixture::parse(response);
  const json::value& session = body.at("sessions").at(0);
  EXPECT_EQ(session.at("status").as_string(), "pending");
  EXPECT_EQ(session.at("policy_reasons").at(0).at("code").as_string(), "irr_unavailable");
}

}  // namespace
}  // namespace peerapi::testing

namespace peerapi::testing {
namespace {

/// [policy] with both RPKI rules over the example IRR dump and a VRP file with `roas`.
std::string rpki_config(const TempDir& dir, std::string_view roas) {
  const auto vrps = dir.path() / "vrps.json";
  std::ofstream(vrps) << R"({"metadata": {"vrps": 2}, "roas": [)" << roas << "]}";
  return "[policy]\nreject_rpki_invalid = true\nmin_rpki_valid_share = 0.5\n"
         "[sources.irr]\ndumps = [\"" +
         (source_dir() / "examples/irr/example.db").string() + "\"]\n[sources.rpki]\nvrps = \"" +
         vrps.string() + "\"\n";
}

TEST(PolicyEndpointRpki, RequesterWithValidRoutesIsAccepted) {
  TempDir dir;
  ApiFixture api("auto",
                 rpki_config(dir, R"({"asn": 64501, "prefix": "198.51.100.0/24", "maxLength": 24},
                     {"asn": "AS64501", "prefix": "2001:db8:100::/40", "maxLength": 48})"));
  const auto response = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(response.status, 200) << response.body;
  const json::value body = ApiFixture::parse(response);
  EXPECT_EQ(body.at("sessions").at(0).at("status").as_string(), "approved");
}

TEST(PolicyEndpointRpki, InvalidIrrRouteRejectsWithTheCount) {
  TempDir dir;
  // 198.51.100.0/24 belongs to AS64999 in the RPKI: AS64501's IRR route object is invalid.
  ApiFixture api("auto",
                 rpki_config(dir, R"({"asn": 64999, "prefix": "198.51.100.0/24", "maxLength": 24},
                     {"asn": 64501, "prefix": "2001:db8:100::/40", "maxLength": 48})"));
  const auto response = api.call("POST", "/sessions", request_of(session_v4()));
  ASSERT_EQ(response.status, 422) << response.body;
  const json::value body = ApiFixture::parse(response);
  const json::value& error = body.at("rejected").at(0).at("errors").at(0);
  EXPECT_EQ(error.at("code").as_string(), "rpki_invalid_routes");
  EXPECT_NE(std::string(error.at("errors").at(0).as_string()).find("1 of the requester's 2"),
            std::string::npos)
      << response.body;
}

}  // namespace
}  // namespace peerapi::testing
