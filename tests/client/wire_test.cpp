// The client's side of the wire contract: request bodies it sends, and every answer decoded with
// checks; a malformed answer is an error naming the member, never a crash.
#include "client/wire.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <string>
#include <vector>

#include "api/codec.hpp"
#include "client/time_text.hpp"

namespace peerapi::client {
namespace {

namespace json = boost::json;

constexpr std::string_view kSessionId = "01890a5d-ac96-774b-bcce-b302099a8057";
constexpr std::string_view kRequestId = "01890a5d-ac96-774b-bcce-b302099a8058";

json::object good_session() {
  return json::parse(R"({
    "session_id": "01890a5d-ac96-774b-bcce-b302099a8057",
    "request_id": "01890a5d-ac96-774b-bcce-b302099a8058",
    "local_asn": 64501, "local_ip": "192.0.2.11",
    "peer_asn": 64500, "peer_ip": "192.0.2.10",
    "local_bgp_role": 4, "peer_bgp_role": 4,
    "local_insert_asn": true, "peer_insert_asn": false,
    "local_monitoring_session": false, "peer_monitoring_session": true,
    "peer_type": "public",
    "location": {"id": "pdb:ix:1", "type": "public"},
    "status": "approved",
    "created_at": "2026-11-23T12:00:00.250Z",
    "updated_at": "2026-11-23T12:00:01.000Z",
    "a_future_field": {"ignored": true}
  })")
      .as_object();
}

std::string page_of(const json::object& session) {
  return json::serialize(json::object{{"sessions", json::array{session}}});
}

TEST(ClientWire, DecodesAGoodSession) {
  auto page = decode_sessions_page(page_of(good_session()));
  ASSERT_TRUE(page.has_value()) << page.error().field << ": " << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_token.has_value());
  const model::Session& s = page->items[0];
  EXPECT_EQ(s.session_id.to_string(), kSessionId);
  EXPECT_EQ(s.request_id.to_string(), kRequestId);
  EXPECT_EQ(s.fields.local_asn.value(), 64501u);
  EXPECT_EQ(s.fields.peer_ip.to_string(), "192.0.2.10");
  EXPECT_TRUE(s.fields.local_insert_asn);
  EXPECT_FALSE(s.fields.peer_insert_asn);
  EXPECT_TRUE(s.fields.peer_monitoring_session);
  EXPECT_EQ(s.fields.location.to_string(), "pdb:ix:1");
  EXPECT_EQ(s.status, model::SessionStatus::approved);
  EXPECT_EQ(s.created_at_ms, 1795435200250);  // 2026-11-23T12:00:00.250Z
  EXPECT_EQ(s.updated_at_ms - s.created_at_ms, 750);
}

TEST(ClientWire, RoundTripsTheServersOwnEncoding) {
  auto first = decode_sessions_page(page_of(good_session()));
  ASSERT_TRUE(first.has_value());
  const json::object encoded = api::encode_session(first->items[0]);
  auto second = decode_sessions_page(page_of(encoded));
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(json::serialize(api::encode_session(second->items[0])), json::serialize(encoded));
}

struct BadSession {
  std::string name;
  std::function<void(json::object&)> mutate;
  ErrorCode code;
  std::string field;
};

class BadSessionTest : public ::testing::TestWithParam<BadSession> {};

TEST_P(BadSessionTest, NamesTheMember) {
  json::object session = good_session();
  GetParam().mutate(session);
  auto page = decode_sessions_page(page_of(session));
  ASSERT_FALSE(page.has_value()) << GetParam().name;
  EXPECT_EQ(page.error().code, GetParam().code)
      << to_string(page.error().code) << ": " << page.error().message;
  EXPECT_EQ(page.error().field, GetParam().field) << page.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadSessionTest,
    ::testing::Values(
        BadSession{"no session id", [](json::object& s) { s.erase("session_id"); },
                   ErrorCode::missing_field, "sessions[0].session_id"},
        BadSession{"null session id", [](json::object& s) { s["session_id"] = nullptr; },
                   ErrorCode::missing_field, "sessions[0].session_id"},
        BadSession{"session id not a uuid", [](json::object& s) { s["session_id"] = "nope"; },
                   ErrorCode::invalid_uuid, "sessions[0].session_id"},
        BadSession{"request id a number", [](json::object& s) { s["request_id"] = 7; },
                   ErrorCode::wrong_type, "sessions[0].request_id"},
        BadSession{"asn as string", [](json::object& s) { s["local_asn"] = "64501"; },
                   ErrorCode::wrong_type, "sessions[0].local_asn"},
        BadSession{"asn fraction", [](json::object& s) { s["peer_asn"] = 64500.5; },
                   ErrorCode::wrong_type, "sessions[0].peer_asn"},
        BadSession{"asn huge", [](json::object& s) { s["peer_asn"] = 18446744073709551615ull; },
                   ErrorCode::out_of_range, "sessions[0].peer_asn"},
        BadSession{"reserved asn", [](json::object& s) { s["local_asn"] = 23456; },
                   ErrorCode::reserved_asn, "sessions[0].local_asn"},
        BadSession{"bad ip", [](json::object& s) { s["peer_ip"] = "192.0.2.300"; },
                   ErrorCode::invalid_ip, "sessions[0].peer_ip"},
        BadSession{"families differ", [](json::object& s) { s["peer_ip"] = "2001:db8::1"; },
                   ErrorCode::ip_family_mismatch, "sessions[0].peer_ip"},
        BadSession{"role 5", [](json::object& s) { s["local_bgp_role"] = 5; },
                   ErrorCode::invalid_role, "sessions[0].local_bgp_role"},
        BadSession{"role missing", [](json::object& s) { s.erase("peer_bgp_role"); },
                   ErrorCode::missing_field, "sessions[0].peer_bgp_role"},
        BadSession{"flag as string", [](json::object& s) { s["local_insert_asn"] = "true"; },
                   ErrorCode::wrong_type, "sessions[0].local_insert_asn"},
        BadSession{"monitoring missing",
                   [](json::object& s) { s.erase("peer_monitoring_session"); },
                   ErrorCode::missing_field, "sessions[0].peer_monitoring_session"},
        BadSession{"peer type unknown", [](json::object& s) { s["peer_type"] = "both"; },
                   ErrorCode::invalid_value, "sessions[0].peer_type"},
        BadSession{"location number", [](json::object& s) { s["location"] = 1; },
                   ErrorCode::wrong_type, "sessions[0].location"},
        BadSession{"location id bad",
                   [](json::object& s) {
                     s["location"] = json::object{{"id", "ix:1"}};
                   },
                   ErrorCode::invalid_location, "sessions[0].location.id"},
        BadSession{"location without id",
                   [](json::object& s) {
                     s["location"] = json::object{{"type", "public"}};
                   },
                   ErrorCode::missing_field, "sessions[0].location.id"},
        BadSession{
            "location type contradicts id",
            [](json::object&
                   s) { s["location"] = json::object{{"id", "pdb:ix:1"}, {"type", "private"}}; },
            ErrorCode::invalid_value, "sessions[0].location.type"},
        BadSession{"status unknown", [](json::object& s) { s["status"] = "up"; },
                   ErrorCode::invalid_value, "sessions[0].status"},
        BadSession{"status uppercase", [](json::object& s) { s["status"] = "APPROVED"; },
                   ErrorCode::invalid_value, "sessions[0].status"},
        BadSession{"created_at not a date", [](json::object& s) { s["created_at"] = "yesterday"; },
                   ErrorCode::invalid_value, "sessions[0].created_at"},
        BadSession{"updated_at impossible day",
                   [](json::object& s) { s["updated_at"] = "2026-02-30T00:00:00Z"; },
                   ErrorCode::invalid_value, "sessions[0].updated_at"}),
    [](const ::testing::TestParamInfo<BadSession>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

struct BadBody {
  std::string name;
  std::string body;
  ErrorCode code;
  std::string field;
};

class BadPageTest : public ::testing::TestWithParam<BadBody> {};

TEST_P(BadPageTest, NamesTheMember) {
  auto page = decode_sessions_page(GetParam().body);
  ASSERT_FALSE(page.has_value()) << GetParam().name;
  EXPECT_EQ(page.error().code, GetParam().code) << page.error().message;
  EXPECT_EQ(page.error().field, GetParam().field) << page.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadPageTest,
    ::testing::Values(
        BadBody{"empty", "", ErrorCode::malformed_json, ""},
        BadBody{"html", "<html>502</html>", ErrorCode::malformed_json, ""},
        BadBody{"truncated", R"({"sessions": [)", ErrorCode::malformed_json, ""},
        BadBody{"top-level array", "[]", ErrorCode::wrong_type, ""},
        BadBody{"no sessions", "{}", ErrorCode::missing_field, "sessions"},
        BadBody{"sessions object", R"({"sessions": {}})", ErrorCode::wrong_type, "sessions"},
        BadBody{"item a string", R"({"sessions": ["x"]})", ErrorCode::wrong_type, "sessions[0]"},
        BadBody{"next_token number", R"({"sessions": [], "next_token": 5})", ErrorCode::wrong_type,
                "next_token"},
        BadBody{"next_token empty", R"({"sessions": [], "next_token": ""})",
                ErrorCode::invalid_value, "next_token"},
        BadBody{"too deep", R"({"sessions": [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]})",
                ErrorCode::too_deep, ""}),
    [](const ::testing::TestParamInfo<BadBody>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(ClientWire, SecondSessionOfAPageIsNamedByIndex) {
  json::object broken = good_session();
  broken["local_ip"] = "not-an-ip";
  const std::string body =
      json::serialize(json::object{{"sessions", json::array{good_session(), broken}}});
  auto page = decode_sessions_page(body);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().field, "sessions[1].local_ip");
}

TEST(ClientWire, LocationsPage) {
  auto page = decode_locations_page(R"({"locations": [
      {"id": "pdb:ix:1", "type": "public", "name": "DOC-IX Frankfurt", "city": "Frankfurt",
       "country": "DE", "local_ips": ["192.0.2.11", "2001:db8:ffff::11"],
       "peer_ips": ["192.0.2.10"]},
      {"id": "pdb:fac:2", "type": "private", "name": "Example DC"}],
      "next_token": "abc.def"})");
  ASSERT_TRUE(page.has_value()) << page.error().field << ": " << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id.to_string(), "pdb:ix:1");
  EXPECT_EQ(page->items[0].city, "Frankfurt");
  ASSERT_EQ(page->items[0].local_ips.size(), 2u);
  EXPECT_EQ(page->items[0].local_ips[1].to_string(), "2001:db8:ffff::11");
  EXPECT_EQ(page->items[1].id.type(), model::LocationType::private_peering);
  EXPECT_TRUE(page->items[1].peer_ips.empty());
  EXPECT_EQ(page->next_token, "abc.def");

  struct Row {
    std::string body;
    ErrorCode code;
    std::string field;
  };
  for (const Row& row : std::vector<Row>{
           {R"({"locations": [{"type": "public"}]})", ErrorCode::missing_field, "locations[0].id"},
           {R"({"locations": [{"id": "pdb:ix:0"}]})", ErrorCode::invalid_location,
            "locations[0].id"},
           {R"({"locations": [{"id": "pdb:ix:1", "type": "private"}]})", ErrorCode::invalid_value,
            "locations[0].type"},
           {R"({"locations": [{"id": "pdb:ix:1", "local_ips": "192.0.2.1"}]})",
            ErrorCode::wrong_type, "locations[0].local_ips"},
           {R"({"locations": [{"id": "pdb:ix:1", "peer_ips": ["192.0.2.1", "x"]}]})",
            ErrorCode::invalid_ip, "locations[0].peer_ips[1]"},
           {R"({"locations": [{"id": "pdb:ix:1", "name": 3}]})", ErrorCode::wrong_type,
            "locations[0].name"},
       }) {
    auto bad = decode_locations_page(row.body);
    ASSERT_FALSE(bad.has_value()) << row.body;
    EXPECT_EQ(bad.error().code, row.code) << row.body << ": " << bad.error().message;
    EXPECT_EQ(bad.error().field, row.field) << row.body;
  }
}

std::string create_answer(const json::array& accepted, const json::array& rejected) {
  return json::serialize(json::object{{"request_id", kRequestId},
                                      {"client_request_id", "5a0d4a2c-6a6f-4f5e-9f3c-0d2b1c9e8f70"},
                                      {"sessions", accepted},
                                      {"rejected", rejected}});
}

TEST(ClientWire, PartialCreateAnswerKeepsIndicesAndReasons) {
  json::object accepted = good_session();
  accepted["policy_reasons"] =
      json::parse(R"([{"name": "sessions[0]", "code": "review_rule", "errors": ["held"]}])");
  const json::array rejected{json::parse(R"({
      "local_asn": 64501, "local_ip": "192.0.2.99", "peer_asn": 64500, "peer_ip": "192.0.2.10",
      "location": "pdb:ix:1",
      "errors": [{"name": "sessions[1].local_ip", "code": "ip_not_caller_address",
                  "errors": ["192.0.2.99 is not your address"]},
                 {"name": "sessions[1].local_ip", "code": "ip_outside_ixlan", "errors": []}]})")};
  auto answer = decode_create_answer(create_answer(json::array{accepted}, rejected), 200);
  ASSERT_TRUE(answer.has_value()) << answer.error().field << ": " << answer.error().message;
  EXPECT_EQ(answer->request_id.to_string(), kRequestId);
  ASSERT_TRUE(answer->client_request_id.has_value());
  ASSERT_EQ(answer->accepted.size(), 1u);
  ASSERT_EQ(answer->accepted[0].policy_reasons.size(), 1u);
  EXPECT_EQ(answer->accepted[0].policy_reasons[0].code, "review_rule");
  ASSERT_EQ(answer->rejected.size(), 1u);
  EXPECT_EQ(answer->rejected[0].index, 1u);
  ASSERT_EQ(answer->rejected[0].errors.size(), 2u);
  EXPECT_EQ(answer->rejected[0].errors[0].code, "ip_not_caller_address");
  EXPECT_EQ(answer->rejected[0].errors[0].messages,
            std::vector<std::string>{"192.0.2.99 is not your address"});
  EXPECT_FALSE(answer->rejected[0].fields.contains("errors"));
  EXPECT_EQ(answer->rejected[0].fields.at("local_ip").as_string(), "192.0.2.99");
}

TEST(ClientWire, BadCreateAnswersAreNamed) {
  const json::array none;
  const json::array one{good_session()};
  struct Row {
    std::string name;
    std::string body;
    int status;
    ErrorCode code;
    std::string field;
  };
  json::object broken = good_session();
  broken["status"] = 3;
  for (const Row& row : std::vector<Row>{
           {"no request id", R"({"sessions": [], "rejected": []})", 422, ErrorCode::missing_field,
            "request_id"},
           {"200 accepting nothing", create_answer(none, none), 200, ErrorCode::invalid_value,
            "sessions"},
           {"422 accepting one", create_answer(one, none), 422, ErrorCode::invalid_value,
            "sessions"},
           {"broken accepted session", create_answer(json::array{broken}, none), 200,
            ErrorCode::wrong_type, "sessions[0].status"},
           {"rejected without errors",
            create_answer(one, json::array{json::object{{"local_asn", 1}}}), 200,
            ErrorCode::missing_field, "rejected[0].errors"},
           {"rejected errors not a list",
            create_answer(one, json::array{json::object{{"errors", "bad"}}}), 200,
            ErrorCode::wrong_type, "rejected[0].errors"},
           {"field error with numeric code",
            create_answer(
                one, json::array{json::object{{"errors", json::array{json::object{{"code", 1}}}}}}),
            200, ErrorCode::wrong_type, "rejected[0].errors[0].code"},
           {"message not a string",
            create_answer(one,
                          json::array{json::object{
                              {"errors", json::array{json::object{{"errors", json::array{1}}}}}}}),
            200, ErrorCode::wrong_type, "rejected[0].errors[0].errors[0]"},
       }) {
    auto answer = decode_create_answer(row.body, row.status);
    ASSERT_FALSE(answer.has_value()) << row.name;
    EXPECT_EQ(answer.error().code, row.code) << row.name << ": " << answer.error().message;
    EXPECT_EQ(answer.error().field, row.field) << row.name;
  }
}

TEST(ClientWire, ErrorBodies) {
  auto body = decode_error_body(
      R"({"errors": [{"name": "sessions", "code": "all_rejected", "errors": ["contact us"]}],
          "contact_email": "peering@example.net"})");
  ASSERT_TRUE(body.has_value());
  ASSERT_EQ(body->errors.size(), 1u);
  EXPECT_EQ(body->errors[0].name, "sessions");
  EXPECT_EQ(body->errors[0].code, "all_rejected");
  EXPECT_EQ(body->contact_email, "peering@example.net");
  // The autopeer FieldError shape has no code.
  auto autopeer = decode_error_body(R"({"errors": [{"name": "x", "errors": ["y"]}]})");
  ASSERT_TRUE(autopeer.has_value());
  EXPECT_EQ(autopeer->errors[0].code, "");
  for (std::string_view bad :
       {"", "<html/>", "[]", "{}", R"({"errors": 1})", R"({"errors": [{"name": 1}]})"}) {
    EXPECT_FALSE(decode_error_body(bad).has_value()) << bad;
  }
}

TEST(ClientWire, BatchDeleteAndClientId) {
  const std::string body =
      json::serialize(json::object{{"sessions", json::array{good_session()}},
                                   {"errors", json::parse(R"([{"name": "sessions[1].session_id",
                                       "code": "not_found", "errors": ["no session"]}])")}});
  auto answer = decode_batch_delete(body);
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  EXPECT_EQ(answer->deleted.size(), 1u);
  ASSERT_EQ(answer->errors.size(), 1u);
  EXPECT_EQ(answer->errors[0].name, "sessions[1].session_id");

  auto id = decode_client_id(R"({"client_id": "peerapi-client-1"})");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "peerapi-client-1");
  for (const auto& [text, code, field] :
       std::vector<std::tuple<std::string, ErrorCode, std::string>>{
           {R"({})", ErrorCode::missing_field, "client_id"},
           {R"({"client_id": 5})", ErrorCode::wrong_type, "client_id"},
           {R"({"client_id": ""})", ErrorCode::invalid_value, "client_id"}}) {
    auto bad = decode_client_id(text);
    ASSERT_FALSE(bad.has_value()) << text;
    EXPECT_EQ(bad.error().code, code) << text;
    EXPECT_EQ(bad.error().field, field) << text;
  }
}

TEST(ClientWire, CreateBodyCarriesEverythingTheServerDecodes) {
  auto secret = model::SessionSecret::parse("s3cret-key", "secret");
  ASSERT_TRUE(secret.has_value());
  const model::SessionRequest session{
      .local_asn = *model::Asn::from_number(64501),
      .local_ip = *model::IpAddress::parse("2001:db8:ffff::11"),
      .peer_asn = *model::Asn::from_number(64500),
      .peer_ip = *model::IpAddress::parse("2001:db8:ffff::10"),
      .local_bgp_role = model::BgpRole::customer,
      .peer_bgp_role = model::BgpRole::provider,
      .local_insert_asn = false,
      .peer_insert_asn = true,
      .local_monitoring_session = true,
      .peer_monitoring_session = false,
      .peer_type = model::LocationType::public_peering,
      .session_secret = *secret,
      .location = model::LocationId::ix(1),
  };
  auto id = model::Uuid::parse(kRequestId);
  ASSERT_TRUE(id.has_value());
  const std::vector<model::SessionRequest> sessions{session};
  const std::string body = encode_create_body(*id, "https://peering.example.org/api", sessions);
  // The server's own decoder is the reference for what the body means.
  auto decoded = api::decode_create_sessions(body, api::DecodeLimits{});
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->client_request_id, *id);
  EXPECT_EQ(decoded->return_url, "https://peering.example.org/api");
  ASSERT_EQ(decoded->sessions.size(), 1u);
  ASSERT_TRUE(decoded->sessions[0].errors.empty()) << decoded->sessions[0].errors[0].message;
  const model::SessionRequest& back = *decoded->sessions[0].request;
  EXPECT_EQ(back.local_ip, session.local_ip);
  EXPECT_EQ(back.local_bgp_role, model::BgpRole::customer);
  EXPECT_EQ(back.peer_bgp_role, model::BgpRole::provider);
  EXPECT_FALSE(back.local_insert_asn);
  EXPECT_TRUE(back.local_monitoring_session);
  ASSERT_TRUE(back.session_secret.has_value());
  EXPECT_EQ(back.session_secret->reveal(), "s3cret-key");
  EXPECT_EQ(back.location, model::LocationId::ix(1));

  const std::vector<model::Uuid> ids{*id};
  EXPECT_EQ(encode_delete_body(ids),
            std::string(R"({"sessions":[{"session_id":")") + std::string(kRequestId) + "\"}]}");
}

}  // namespace
}  // namespace peerapi::client
