// The endpoints' behaviour on valid input (docs/wire.md), in process.
#include <gtest/gtest.h>

#include <set>

#include "server/api_fixture.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

std::string wrap(const std::string& sessions) {
  return R"({"sessions":[)" + sessions + "]}";
}

std::string header(const server::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name)
      return v;
  }
  return {};
}

TEST(CreateSessions, AcceptsValidSessionsAsApproved) {
  ApiFixture api;
  auto response = api.call("POST", "/sessions",
                           wrap(session_v4(R"(,"session_secret":"k3y")") + "," + session_v6()));
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = ApiFixture::parse(response);
  const auto& sessions = body.at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_TRUE(body.at("rejected").as_array().empty());
  EXPECT_FALSE(body.as_object().contains("client_request_id"));
  for (const auto& s : sessions) {
    EXPECT_EQ(s.at("status").as_string(), "approved");
    EXPECT_EQ(s.at("request_id"), body.at("request_id"));
    EXPECT_FALSE(s.as_object().contains("session_secret"));
    EXPECT_EQ(s.at("local_bgp_role").as_int64(), 4);
    EXPECT_EQ(s.at("location").at("id").as_string(), "pdb:ix:1");
  }
  EXPECT_EQ(sessions[1].at("local_ip").as_string(), "2001:db8:ffff::11");
  EXPECT_EQ(*api.store().count_sessions(), 2);
  // The secret is stored (the router needs it) but never returned.
  auto stored =
      api.store().get_session(*model::Uuid::parse(sessions[0].at("session_id").as_string()));
  ASSERT_TRUE(stored && *stored);
  ASSERT_TRUE((*stored)->fields.session_secret);
  EXPECT_EQ((*stored)->fields.session_secret->reveal(), "k3y");
}

TEST(CreateSessions, ManualModeLeavesSessionsPending) {
  ApiFixture api("manual");
  auto response = api.call("POST", "/sessions", wrap(session_v4()));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(ApiFixture::parse(response).at("sessions").at(0).at("status").as_string(), "pending");
}

TEST(CreateSessions, PartialAnswerKeepsRequestOrderAndDisjointLists) {
  ApiFixture api;
  const std::string bad_ip = session_v4(R"(,"local_ip":"192.0.2.99")");
  const std::string wrong_peer = session_v6(R"(,"peer_asn":64502)");
  auto response =
      api.call("POST", "/sessions", wrap(bad_ip + "," + session_v4() + "," + wrong_peer));
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = ApiFixture::parse(response);
  ASSERT_EQ(body.at("sessions").as_array().size(), 1u);
  const auto& rejected = body.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].at("local_ip").as_string(), "192.0.2.99");
  EXPECT_EQ(rejected[0].at("errors").at(0).at("name").as_string(), "sessions[0].local_ip");
  EXPECT_EQ(rejected[0].at("errors").at(0).at("code").as_string(), "ip_not_caller_address");
  EXPECT_EQ(rejected[1].at("errors").at(0).at("name").as_string(), "sessions[2].peer_asn");
  EXPECT_EQ(rejected[1].at("errors").at(0).at("code").as_string(), "not_server_asn");
  EXPECT_NE(std::string(rejected[1].at("errors").at(0).at("errors").at(0).as_string())
                .find("peer_* describes this server's network"),
            std::string::npos);
}

struct SemanticCase {
  const char* name;
  std::string session;
  std::string field;
  std::string code;
};

class SemanticRejectionTest : public ::testing::TestWithParam<SemanticCase> {};

TEST_P(SemanticRejectionTest, AllRejectedIs422WithContact) {
  ApiFixture api;
  const auto& c = GetParam();
  auto response = api.call("POST", "/sessions", wrap(c.session));
  ASSERT_EQ(response.status, 422) << c.name << ": " << response.body;
  auto body = ApiFixture::parse(response);
  EXPECT_EQ(body.at("contact_email").as_string(), "peering@example.net");
  EXPECT_TRUE(body.at("sessions").as_array().empty());
  bool found = false;
  for (const auto& e : body.at("rejected").at(0).at("errors").as_array()) {
    found = found || (e.at("name").as_string() == c.field && e.at("code").as_string() == c.code);
  }
  EXPECT_TRUE(found) << c.name << ": " << response.body;
  EXPECT_EQ(body.at("errors").as_array().back().at("code").as_string(), "all_rejected");
  EXPECT_EQ(*api.store().count_sessions(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Checks, SemanticRejectionTest,
    ::testing::Values(
        SemanticCase{"peer_asn_not_ours", session_v4(R"(,"peer_asn":64502)"),
                     "sessions[0].peer_asn", "not_server_asn"},
        SemanticCase{"unknown_ix", session_v4(R"(,"location":"pdb:ix:999")"),
                     "sessions[0].location.id", "unknown_location"},
        SemanticCase{
            "not_common",
            session_v4(
                R"(,"location":"pdb:ix:3","local_ip":"203.0.113.11","peer_ip":"203.0.113.10")"),
            "sessions[0].location.id", "location_not_common"},
        SemanticCase{
            "private",
            session_v4(R"(,"location":{"id":"pdb:fac:1","type":"private"},"peer_type":"private")"),
            "sessions[0].location.id", "private_peering_unsupported"},
        SemanticCase{"family_mismatch", session_v4(R"(,"peer_ip":"2001:db8:ffff::10")"),
                     "sessions[0].peer_ip", "ip_family_mismatch"},
        SemanticCase{"caller_ip_not_registered", session_v4(R"(,"local_ip":"192.0.2.77")"),
                     "sessions[0].local_ip", "ip_not_caller_address"},
        SemanticCase{"caller_ip_of_other_ix", session_v4(R"(,"local_ip":"198.51.100.11")"),
                     "sessions[0].local_ip", "ip_not_caller_address"},
        SemanticCase{"server_ip_wrong", session_v4(R"(,"peer_ip":"192.0.2.12")"),
                     "sessions[0].peer_ip", "ip_not_server_address"},
        SemanticCase{"role_pair", session_v4(R"(,"local_bgp_role":0,"peer_bgp_role":4)"),
                     "sessions[0].peer_bgp_role", "role_mismatch"},
        SemanticCase{
            "both_monitoring",
            session_v4(R"(,"local_monitoring_session":true,"peer_monitoring_session":true)"),
            "sessions[0].peer_monitoring_session", "both_monitoring"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(CreateSessions, RolePairsOfRfc9234AreAccepted) {
  // provider-customer in both directions and rs-client/rs: distinct sessions need distinct
  // addresses, so each pair is tried on its own fixture store.
  for (auto [local, peer] : {std::pair{0, 3}, {3, 0}, {1, 2}, {2, 1}, {4, 4}}) {
    ApiFixture fresh;
    auto response = fresh.call("POST", "/sessions",
                               wrap(session_v4(",\"local_bgp_role\":" + std::to_string(local) +
                                               ",\"peer_bgp_role\":" + std::to_string(peer))));
    EXPECT_EQ(response.status, 200) << local << "/" << peer << ": " << response.body;
  }
}

TEST(CreateSessions, DuplicatesInBatchAndOfLiveSessions) {
  ApiFixture api;
  auto first = api.call("POST", "/sessions", wrap(session_v4() + "," + session_v4()));
  ASSERT_EQ(first.status, 200) << first.body;
  auto body = ApiFixture::parse(first);
  ASSERT_EQ(body.at("sessions").as_array().size(), 1u);
  EXPECT_EQ(body.at("rejected").at(0).at("errors").at(0).at("code").as_string(),
            "duplicate_in_request");
  EXPECT_EQ(body.at("rejected").at(0).at("errors").at(0).at("name").as_string(), "sessions[1]");

  auto again = api.call("POST", "/sessions", wrap(session_v4()));
  ASSERT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(ApiFixture::parse(again).at("rejected").at(0).at("errors").at(0).at("code").as_string(),
            "duplicate_session");

  // Deleting the live session frees its tuple.
  const std::string id(body.at("sessions").at(0).at("session_id").as_string());
  EXPECT_EQ(api.call("DELETE", "/sessions/" + id).status, 204);
  EXPECT_EQ(api.call("POST", "/sessions", wrap(session_v4())).status, 200);
}

TEST(CreateSessions, ClientRequestIdMakesTheRequestIdempotent) {
  ApiFixture api;
  const std::string body =
      R"({"request_id":"3F1C2A8E-6B1D-4C8E-9A51-0D4B7E2F9C10","sessions":[)" + session_v4() + "]}";
  auto first = api.call("POST", "/sessions", body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(ApiFixture::parse(first).at("client_request_id").as_string(),
            "3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10");
  auto replay = api.call("POST", "/sessions", body);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(*api.store().count_sessions(), 1);

  // Same id, different body: refused, nothing created.
  const std::string other =
      R"({"request_id":"3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10","sessions":[)" + session_v6() + "]}";
  auto conflict = api.call("POST", "/sessions", other);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(ApiFixture::parse(conflict).at("errors").at(0).at("code").as_string(),
            "request_id_conflict");
  EXPECT_EQ(*api.store().count_sessions(), 1);

  // Client request ids are scoped per caller: AS64502 may use the same UUID.
  const std::string theirs =
      R"({"request_id":"3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10","sessions":[{"local_asn":64502,"local_ip":"192.0.2.12","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"}]})";
  EXPECT_EQ(api.call("POST", "/sessions", theirs, kToken64502).status, 200);
}

TEST(CreateSessions, AllRejectedAnswerIsReplayedToo) {
  ApiFixture api;
  const std::string body = R"({"request_id":"11111111-2222-4333-8444-555555555555","sessions":[)" +
                           session_v4(R"(,"peer_ip":"192.0.2.12")") + "]}";
  auto first = api.call("POST", "/sessions", body);
  ASSERT_EQ(first.status, 422);
  auto second = api.call("POST", "/sessions", body);
  EXPECT_EQ(second.status, 422);
  EXPECT_EQ(second.body, first.body);
}

TEST(Sessions, OtherNetworksSessionsAreInvisible) {
  ApiFixture api;
  auto created = api.call("POST", "/sessions", wrap(session_v4()));
  const std::string id(
      ApiFixture::parse(created).at("sessions").at(0).at("session_id").as_string());
  EXPECT_EQ(api.call("GET", "/sessions/" + id).status, 200);
  auto theirs = api.call("GET", "/sessions/" + id, "", kToken64502);
  auto missing = api.call("GET", "/sessions/00000000-0000-4000-8000-000000000000", "", kToken64502);
  EXPECT_EQ(theirs.status, 404);
  // Indistinguishable from a session that does not exist, apart from the id in the message.
  EXPECT_EQ(ApiFixture::parse(theirs).at("errors").at(0).at("code"),
            ApiFixture::parse(missing).at("errors").at(0).at("code"));
  EXPECT_EQ(api.call("DELETE", "/sessions/" + id, "", kToken64502).status, 404);
  EXPECT_EQ(api.call("GET", "/sessions?asn=64501", "", kToken64502).status, 403);
  auto theirs_list = api.call("GET", "/sessions?asn=64502", "", kToken64502);
  EXPECT_TRUE(ApiFixture::parse(theirs_list).at("sessions").as_array().empty());
  // Still there for its owner.
  EXPECT_EQ(ApiFixture::parse(api.call("GET", "/sessions/" + id)).at("status").as_string(),
            "approved");
}

TEST(Sessions, DeleteMarksDeletedAndRecordsHistory) {
  ApiFixture api;
  auto created = api.call("POST", "/sessions", wrap(session_v4()));
  const std::string id(
      ApiFixture::parse(created).at("sessions").at(0).at("session_id").as_string());
  api.clock().advance_ms(5000);
  auto deleted = api.call("DELETE", "/sessions/" + id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(api.call("DELETE", "/sessions/" + id).status, 204) << "idempotent";
  auto after = ApiFixture::parse(api.call("GET", "/sessions/" + id));
  EXPECT_EQ(after.at("status").as_string(), "deleted");
  EXPECT_EQ(after.at("updated_at").as_string(), "2026-11-23T08:00:05.000Z");
  auto history = api.store().history(*model::Uuid::parse(id));
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].to, model::SessionStatus::approved);
  EXPECT_EQ((*history)[1].to, model::SessionStatus::deleted);
  EXPECT_EQ((*history)[1].actor, "noc@as64501.example");
  EXPECT_EQ((*history)[1].at_ms, 1'795'420'805'000);
}

TEST(Sessions, BatchDeleteReportsPerItem) {
  ApiFixture api;
  auto created =
      ApiFixture::parse(api.call("POST", "/sessions", wrap(session_v4() + "," + session_v6())));
  const std::string a(created.at("sessions").at(0).at("session_id").as_string());
  const std::string b(created.at("sessions").at(1).at("session_id").as_string());
  auto response = api.call(
      "DELETE", "/sessions",
      R"({"sessions":[{"session_id":")" + a +
          R"("},{"session_id":"00000000-0000-4000-8000-000000000000"},{"session_id":"nope"},{"session_id":")" +
          b + R"("}]})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = ApiFixture::parse(response);
  ASSERT_EQ(body.at("sessions").as_array().size(), 2u);
  EXPECT_EQ(body.at("sessions").at(0).at("status").as_string(), "deleted");
  const auto& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("name").as_string(), "sessions[1].session_id");
  EXPECT_EQ(errors[0].at("code").as_string(), "not_found");
  EXPECT_EQ(errors[1].at("name").as_string(), "sessions[2].session_id");
  EXPECT_EQ(errors[1].at("code").as_string(), "invalid_uuid");
}

TEST(Sessions, PaginationHasNoDuplicatesOrGapsUnderConcurrentInserts) {
  ApiFixture api;
  std::vector<std::string> created;
  auto create_one = [&] {
    auto body = ApiFixture::parse(api.call("POST", "/sessions", wrap(session_v4())));
    const std::string id(body.at("sessions").at(0).at("session_id").as_string());
    created.push_back(id);
    ASSERT_EQ(api.call("DELETE", "/sessions/" + id).status, 204);
  };
  for (int i = 0; i < 23; ++i)
    create_one();

  std::vector<std::string> seen;
  std::string target = "/sessions?asn=64501&max_results=5";
  int pages = 0;
  for (; pages < 20; ++pages) {
    auto response = api.call("GET", target);
    ASSERT_EQ(response.status, 200) << response.body;
    auto body = ApiFixture::parse(response);
    for (const auto& s : body.at("sessions").as_array()) {
      seen.emplace_back(s.at("session_id").as_string());
    }
    if (pages == 1)
      create_one();  // an insert between pages shows up at the end, once
    if (!body.as_object().contains("next_token"))
      break;
    target = "/sessions?asn=64501&max_results=5&next_token=" +
             std::string(body.at("next_token").as_string());
  }
  EXPECT_EQ(seen, created);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
}

TEST(Sessions, NextTokenIsBoundToItsQuery) {
  ApiFixture api;
  auto created =
      ApiFixture::parse(api.call("POST", "/sessions", wrap(session_v4() + "," + session_v6())));
  const std::string request_id(created.at("request_id").as_string());
  auto first = ApiFixture::parse(api.call("GET", "/sessions?asn=64501&max_results=1"));
  const std::string token(first.at("next_token").as_string());
  EXPECT_EQ(api.call("GET", "/sessions?asn=64501&max_results=1&next_token=" + token).status, 200);
  auto other_query =
      api.call("GET", "/sessions?asn=64501&request_id=" + request_id + "&next_token=" + token);
  EXPECT_EQ(other_query.status, 400);
  std::string edited = token;
  edited[0] = edited[0] == 'M' ? 'N' : 'M';
  EXPECT_EQ(api.call("GET", "/sessions?asn=64501&next_token=" + edited).status, 400);
  // request_id filter.
  auto filtered =
      ApiFixture::parse(api.call("GET", "/sessions?asn=64501&request_id=" + request_id));
  EXPECT_EQ(filtered.at("sessions").as_array().size(), 2u);
  auto none = ApiFixture::parse(
      api.call("GET", "/sessions?asn=64501&request_id=00000000-0000-4000-8000-000000000000"));
  EXPECT_TRUE(none.at("sessions").as_array().empty());
}

TEST(Locations, ListsCommonExchangesAndFacilitiesWithAddresses) {
  ApiFixture api;
  auto body = ApiFixture::parse(api.call("GET", "/locations?asn=64500"));
  const auto& list = body.at("locations").as_array();
  ASSERT_EQ(list.size(), 3u) << json::serialize(body);
  EXPECT_EQ(list[0].at("id").as_string(), "pdb:ix:1");
  EXPECT_EQ(list[0].at("name").as_string(), "DOC-IX Frankfurt");
  EXPECT_EQ(json::serialize(list[0].at("local_ips")), R"(["192.0.2.11","2001:db8:ffff::11"])");
  EXPECT_EQ(json::serialize(list[0].at("peer_ips")), R"(["192.0.2.10","2001:db8:ffff::10"])");
  EXPECT_EQ(list[1].at("id").as_string(), "pdb:ix:2");
  EXPECT_EQ(list[2].at("id").as_string(), "pdb:fac:1");
  EXPECT_EQ(list[2].at("type").as_string(), "private");

  auto theirs = ApiFixture::parse(api.call("GET", "/locations?asn=64500", "", kToken64502));
  ASSERT_EQ(theirs.at("locations").as_array().size(), 2u);
  EXPECT_EQ(theirs.at("locations").at(1).at("id").as_string(), "pdb:ix:3");

  auto public_only =
      ApiFixture::parse(api.call("GET", "/locations?asn=64500&location_type=public"));
  EXPECT_EQ(public_only.at("locations").as_array().size(), 2u);
  auto private_only =
      ApiFixture::parse(api.call("GET", "/locations?asn=AS64500&location_type=private"));
  EXPECT_EQ(private_only.at("locations").as_array().size(), 1u);
}

TEST(Locations, PaginatesOneByOne) {
  ApiFixture api;
  std::vector<std::string> ids;
  std::string target = "/locations?asn=64500&max_results=1";
  for (int i = 0; i < 10; ++i) {
    auto body = ApiFixture::parse(api.call("GET", target));
    for (const auto& l : body.at("locations").as_array())
      ids.emplace_back(l.at("id").as_string());
    if (!body.as_object().contains("next_token"))
      break;
    target = "/locations?asn=64500&max_results=1&next_token=" +
             std::string(body.at("next_token").as_string());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"pdb:ix:1", "pdb:ix:2", "pdb:fac:1"}));
}

TEST(Operational, HealthReadinessAndDocument) {
  ApiFixture api;
  EXPECT_EQ(api.call("GET", "/healthz", "", "").status, 200);
  auto ready = api.call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ApiFixture::parse(ready).at("peeringdb_networks").as_int64(), 5);
  auto document = api.call("GET", "/openapi.yaml", "", "");
  EXPECT_EQ(document.status, 200);
  EXPECT_EQ(document.content_type, "application/yaml");
  EXPECT_EQ(document.body, read_file(source_dir() / "src/api/openapi.yaml"));
  auto not_allowed = api.call("POST", "/healthz", "", "");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(header(not_allowed, "Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace peerapi::testing
