// Table-driven bad input (issue "Limits and bad input"): one malformed request per row, asserting
// the exact status, the field path and the reason code, and that nothing is stored.
#include <gtest/gtest.h>

#include "server/api_fixture.hpp"

namespace peerapi::testing {
namespace {

struct BadRequest {
  const char* name;
  std::string method;
  std::string target;
  std::string body;
  int status;
  std::string field;  // expected `name` of one error
  std::string code;   // expected `code` of that error
  std::string authorization = kToken64501;
  std::string content_type = "application/json";
};

std::string wrap(const std::string& session) {
  return R"({"sessions":[)" + session + "]}";
}

std::string many_sessions(int n) {
  std::string list;
  for (int i = 0; i < n; ++i)
    list += (i ? "," : "") + session_v4();
  return "[" + list + "]";
}

std::vector<BadRequest> cases() {
  const std::string s = "/sessions";
  return {
      // Body syntax and shape.
      {"broken json", "POST", s, R"({"sessions": [)", 400, "", "malformed_json"},
      {"empty body", "POST", s, "", 400, "", "malformed_json"},
      {"trailing garbage", "POST", s, wrap(session_v4()) + " x", 400, "", "malformed_json"},
      {"top-level string", "POST", s, R"("hello")", 400, "", "wrong_type"},
      {"top-level number", "POST", s, "42", 400, "", "wrong_type"},
      {"sessions missing", "POST", s, "{}", 400, "sessions", "missing_field"},
      {"sessions not array", "POST", s, R"({"sessions":{}})", 400, "sessions", "wrong_type"},
      {"sessions empty", "POST", s, R"({"sessions":[]})", 400, "sessions", "empty_request"},
      {"too many sessions", "POST", s, many_sessions(101), 413, "sessions", "too_many_items"},
      {"unknown top-level field", "POST", s, R"({"sessions":[)" + session_v4() + R"(],"foo":1})",
       400, "foo", "unknown_field"},
      {"bad request_id", "POST", s,
       R"({"request_id":"not-a-uuid","sessions":[)" + session_v4() + "]}", 400, "request_id",
       "invalid_uuid"},
      {"request_id number", "POST", s, R"({"request_id":7,"sessions":[)" + session_v4() + "]}", 400,
       "request_id", "wrong_type"},
      {"return_url not http(s)", "POST", s,
       R"({"return_url":"ftp://peering.example.com/","sessions":[)" + session_v4() + "]}", 400,
       "return_url", "invalid_url"},
      {"too deep", "POST", s, R"({"sessions":[{"x":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}]})",
       400, "", "too_deep"},
      // One session, malformed fields.
      {"session not object", "POST", s, "[42]", 400, "sessions[0]", "wrong_type"},
      {"local_asn missing", "POST", s,
       wrap(
           R"({"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"})"),
       400, "sessions[0].local_asn", "missing_field"},
      {"local_asn string", "POST", s, wrap(session_v4(R"(,"local_asn":"64501")")), 400,
       "sessions[0].local_asn", "wrong_type"},
      {"local_asn fraction", "POST", s, wrap(session_v4(R"(,"local_asn":64501.5)")), 400,
       "sessions[0].local_asn", "wrong_type"},
      {"local_asn beyond uint64", "POST", s,
       wrap(session_v4(R"(,"local_asn":99999999999999999999999)")), 400, "sessions[0].local_asn",
       "wrong_type"},
      {"local_asn uint64 max", "POST", s, wrap(session_v4(R"(,"local_asn":18446744073709551615)")),
       400, "sessions[0].local_asn", "out_of_range"},
      {"local_asn negative", "POST", s, wrap(session_v4(R"(,"local_asn":-1)")), 400,
       "sessions[0].local_asn", "invalid_asn"},
      {"local_asn zero", "POST", s, wrap(session_v4(R"(,"local_asn":0)")), 400,
       "sessions[0].local_asn", "reserved_asn"},
      {"local_asn AS_TRANS", "POST", s, wrap(session_v4(R"(,"local_asn":23456)")), 400,
       "sessions[0].local_asn", "reserved_asn"},
      {"peer_asn 4294967295", "POST", s, wrap(session_v4(R"(,"peer_asn":4294967295)")), 400,
       "sessions[0].peer_asn", "reserved_asn"},
      {"peer_asn above 32 bits", "POST", s, wrap(session_v4(R"(,"peer_asn":4294967296)")), 400,
       "sessions[0].peer_asn", "invalid_asn"},
      {"local_ip octet 256", "POST", s, wrap(session_v4(R"(,"local_ip":"192.0.2.256")")), 400,
       "sessions[0].local_ip", "invalid_ip"},
      {"local_ip empty", "POST", s, wrap(session_v4(R"(,"local_ip":"")")), 400,
       "sessions[0].local_ip", "invalid_ip"},
      {"local_ip number", "POST", s, wrap(session_v4(R"(,"local_ip":42)")), 400,
       "sessions[0].local_ip", "wrong_type"},
      {"peer_ip is a prefix", "POST", s, wrap(session_v4(R"(,"peer_ip":"2001:db8::/64")")), 400,
       "sessions[0].peer_ip", "invalid_ip"},
      {"peer_ip with zone", "POST", s, wrap(session_v4(R"(,"peer_ip":"fe80::1%eth0")")), 400,
       "sessions[0].peer_ip", "invalid_ip"},
      {"location bad prefix", "POST", s, wrap(session_v4(R"(,"location":"ix:1")")), 400,
       "sessions[0].location", "invalid_location"},
      {"location id zero", "POST", s, wrap(session_v4(R"(,"location":{"id":"pdb:ix:0"})")), 400,
       "sessions[0].location.id", "invalid_location"},
      {"location type unknown", "POST", s,
       wrap(session_v4(R"(,"location":{"id":"pdb:ix:1","type":"shared"})")), 400,
       "sessions[0].location.type", "invalid_value"},
      {"location unknown field", "POST", s,
       wrap(session_v4(R"(,"location":{"id":"pdb:ix:1","color":"red"})")), 400,
       "sessions[0].location.color", "unknown_field"},
      {"location number", "POST", s, wrap(session_v4(R"(,"location":17)")), 400,
       "sessions[0].location", "wrong_type"},
      {"location missing", "POST", s,
       wrap(
           R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10"})"),
       400, "sessions[0].location", "missing_field"},
      {"location type contradicts id", "POST", s,
       wrap(session_v4(R"(,"location":{"id":"pdb:ix:1","type":"private"})")), 400,
       "sessions[0].location.type", "peer_type_mismatch"},
      {"role out of range", "POST", s, wrap(session_v4(R"(,"local_bgp_role":5,"peer_bgp_role":4)")),
       400, "sessions[0].local_bgp_role", "invalid_role"},
      {"role as text", "POST", s, wrap(session_v4(R"(,"local_bgp_role":"peer","peer_bgp_role":4)")),
       400, "sessions[0].local_bgp_role", "wrong_type"},
      {"only one role", "POST", s, wrap(session_v4(R"(,"local_bgp_role":4)")), 400,
       "sessions[0].peer_bgp_role", "role_incomplete"},
      {"insert_asn not boolean", "POST", s, wrap(session_v4(R"(,"local_insert_asn":"yes")")), 400,
       "sessions[0].local_insert_asn", "wrong_type"},
      {"secret with space", "POST", s, wrap(session_v4(R"(,"session_secret":"two words")")), 400,
       "sessions[0].session_secret", "invalid_secret"},
      {"secret and md5", "POST", s, wrap(session_v4(R"(,"session_secret":"a1","md5":"b2")")), 400,
       "sessions[0].md5", "invalid_value"},
      {"unknown session field", "POST", s, wrap(session_v4(R"(,"colour":"blue")")), 400,
       "sessions[0].colour", "unknown_field"},
      {"session_id on create", "POST", s,
       wrap(session_v4(R"(,"session_id":"3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10")")), 400,
       "sessions[0].session_id", "invalid_value"},
      {"peer_type contradicts location", "POST", s, wrap(session_v4(R"(,"peer_type":"private")")),
       400, "sessions[0].peer_type", "peer_type_mismatch"},
      {"peer_type unknown", "POST", s, wrap(session_v4(R"(,"peer_type":"semi")")), 400,
       "sessions[0].peer_type", "invalid_value"},
      // Transport-level and authentication.
      {"text/plain body", "POST", s, wrap(session_v4()), 415, "Content-Type",
       "unsupported_media_type", kToken64501, "text/plain"},
      {"no credentials", "POST", s, wrap(session_v4()), 401, "Authorization", "unauthenticated",
       ""},
      {"unknown token", "GET", "/sessions?asn=64501", "", 401, "Authorization", "unauthenticated",
       "Bearer not-a-real-token"},
      {"basic auth", "GET", "/sessions?asn=64501", "", 401, "Authorization", "unauthenticated",
       "Basic bm9jOnNlY3JldA=="},
      {"bearer with bad characters", "GET", "/sessions?asn=64501", "", 400, "Authorization",
       "unauthenticated", "Bearer a b\"c"},
      // Query strings and path ids.
      {"list without asn", "GET", "/sessions", "", 400, "asn", "missing_field"},
      {"list asn not a number", "GET", "/sessions?asn=abc", "", 400, "asn", "invalid_asn"},
      {"max_results zero", "GET", "/sessions?asn=64501&max_results=0", "", 400, "max_results",
       "out_of_range"},
      {"max_results 101", "GET", "/sessions?asn=64501&max_results=101", "", 400, "max_results",
       "out_of_range"},
      {"forged next_token", "GET", "/sessions?asn=64501&next_token=MToxMA.AAAAAAAAAAAAAAAAAAAAAA",
       "", 400, "next_token", "invalid_next_token"},
      {"request_id filter not uuid", "GET", "/sessions?asn=64501&request_id=xyz", "", 400,
       "request_id", "invalid_uuid"},
      {"unknown query parameter", "GET", "/sessions?asn=64501&foo=1", "", 400, "foo",
       "unknown_field"},
      {"asn given twice", "GET", "/sessions?asn=64501&asn=64501", "", 400, "asn", "invalid_value"},
      {"session id not uuid", "GET", "/sessions/not-a-uuid", "", 400, "session_id", "invalid_uuid"},
      {"session id unknown", "GET", "/sessions/3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10", "", 404, "",
       "not_found"},
      {"batch delete not object", "DELETE", s, "[1]", 400, "", "wrong_type"},
      {"batch delete without sessions", "DELETE", s, "{}", 400, "sessions", "missing_field"},
      {"locations for another ASN", "GET", "/locations?asn=64999", "", 400, "asn",
       "not_server_asn"},
      {"locations bad type", "GET", "/locations?asn=64500&location_type=mixed", "", 400,
       "location_type", "invalid_value"},
      {"method not allowed", "PUT", s, "", 405, "", "method_not_allowed"},
      {"unknown path", "GET", "/nowhere", "", 404, "", "not_found"},
      // Authorization and semantics.
      {"list another network", "GET", "/sessions?asn=64502", "", 403, "asn", "asn_not_authorized"},
      {"create for another network", "POST", s,
       wrap(
           R"({"local_asn":64502,"local_ip":"192.0.2.12","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"})"),
       403, "sessions[0].local_asn", "asn_not_authorized"},
  };
}

class BadInputTest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(BadInputTest, AnswersExactStatusFieldAndCode) {
  static ApiFixture fixture;  // one store for the whole table: checked empty at the end
  const auto& c = GetParam();
  auto response = fixture.call(c.method, c.target, c.body, c.authorization, c.content_type);
  EXPECT_EQ(response.status, c.status) << c.name << ": " << response.body;
  ASSERT_LT(response.status, 500) << c.name;
  auto body = ApiFixture::parse(response);
  ASSERT_TRUE(body.is_object() && body.as_object().contains("errors")) << response.body;
  bool found = false;
  for (const auto& e : body.at("errors").as_array()) {
    found = found || (e.at("name").as_string() == c.field && e.at("code").as_string() == c.code);
    EXPECT_FALSE(e.at("errors").as_array().empty()) << "every error carries a message";
  }
  EXPECT_TRUE(found) << c.name << ": expected " << c.field << " / " << c.code << " in "
                     << response.body;
  if (c.status == 401) {
    bool challenge = false;
    for (const auto& [k, v] : response.headers)
      challenge = challenge || k == "WWW-Authenticate";
    EXPECT_TRUE(challenge) << "401 must carry WWW-Authenticate (RFC 6750 section 3)";
  }
  EXPECT_EQ(*fixture.store().count_sessions(), 0) << c.name << " stored a session";
}

INSTANTIATE_TEST_SUITE_P(Table, BadInputTest, ::testing::ValuesIn(cases()), [](const auto& row) {
  std::string name = row.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)))
      ch = '_';
  }
  return name;
});

TEST(BadInputTable, HasAtLeastFortyRows) {
  EXPECT_GE(cases().size(), 40u);
}

TEST(BadInput, SecretNeverEchoed) {
  ApiFixture fixture;
  const std::string secret = "Sup3rSecretKey";
  // Rejected (peer_ip wrong) with a valid secret, and malformed with a bad secret.
  for (const std::string& body :
       {wrap(session_v4(R"(,"peer_ip":"192.0.2.99","session_secret":")" + secret + "\"")),
        wrap(session_v4(R"(,"md5":")" + secret + " x\"")),
        wrap(session_v4(R"(,"session_secret":")" + secret + "\""))}) {
    auto response = fixture.call("POST", "/sessions", body);
    EXPECT_EQ(response.body.find("Sup3rSecret"), std::string::npos) << response.body;
  }
}

}  // namespace
}  // namespace peerapi::testing
