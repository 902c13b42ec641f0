// Server-initiated sessions (draft section 7, "D and E"; issue 7): AS64501 asks AS64500 for one
// session and names its own API as return_url; AS64500 accepts it and asks AS64501's API for
// the sessions at their common IXs the request left out, under the same request id. AS64501's
// server decides with its own policy; what it accepts becomes AS64500's initiator-side sessions
// (for AS64500's router), and AS64501 holds them as sessions requested by AS64500.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "integration/server_process.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

std::string server_config(const std::filesystem::path& dir, int our_asn, int their_asn,
                          const std::string& extra) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\nthreads = 2\n"
         "[network]\nasns = [" +
         std::to_string(our_asn) +
         "]\ncontact_email = \"peering@example.net\"\n"
         "[store]\nsqlite = \"" +
         (dir / "peerapi.db").string() + "\"\n[peeringdb]\nsnapshot_dir = \"" +
         (source_dir() / "examples/peeringdb").string() +
         "\"\n[[auth.static_tokens]]\ntoken = \"token-of-" + std::to_string(their_asn) +
         "\"\nasns = [" + std::to_string(their_asn) + "]\nsubject = \"noc@as" +
         std::to_string(their_asn) + ".example\"\n" + extra;
}

std::vector<json::object> sessions_of(int port, int asn, const std::string& token) {
  auto answer =
      http_call(port, "GET", "/sessions?asn=" + std::to_string(asn), {}, "Bearer " + token);
  EXPECT_EQ(answer.status, 200) << answer.body;
  std::vector<json::object> out;
  if (answer.status != 200)
    return out;
  const json::value listed = json::parse(answer.body);
  for (const auto& s : listed.at("sessions").as_array())
    out.push_back(s.as_object());
  return out;
}

TEST(Proposals, TheReceiverAsksTheInitiatorsApiForTheSessionsItsRequestLeftOut) {
  TempDir a_dir;  // AS64501, the initiator
  TempDir b_dir;  // AS64500, the receiver
  ServerProcess a(a_dir.path(), server_config(a_dir.path(), 64501, 64500, ""));
  ASSERT_TRUE(a.wait_ready()) << a.log();
  const std::string a_url = "http://127.0.0.1:" + std::to_string(a.port());
  ServerProcess b(b_dir.path(), server_config(b_dir.path(), 64500, 64501,
                                              "[approval]\npropose_additional = true\n"
                                              "[client]\ntoken = \"token-of-64500\"\n"
                                              "[outbound]\nallow_loopback = true\n"));
  ASSERT_TRUE(b.wait_ready()) << b.log();

  // AS64501 asks for the IPv4 session at IX 1 only, with a secret, naming its own API.
  const std::string body = R"({"return_url": ")" + a_url + R"(", "sessions": [{
      "local_asn": 64501, "local_ip": "192.0.2.11", "peer_asn": 64500, "peer_ip": "192.0.2.10",
      "local_bgp_role": 4, "peer_bgp_role": 4, "peer_type": "public",
      "session_secret": "s3cret-Example", "location": "pdb:ix:1"}]})";
  auto created = http_call(b.port(), "POST", "/sessions", body, "Bearer token-of-64501");
  ASSERT_EQ(created.status, 200) << created.body;

  // AS64500 proposes IX 1 IPv6 and IX 2 IPv4 + IPv6 to AS64501's API, which accepts them.
  std::vector<json::object> at_a;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    at_a = sessions_of(a.port(), 64500, "token-of-64500");
    if (at_a.size() >= 3)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(at_a.size(), 3u) << b.log() << a.log();
  std::set<std::string> pairs;
  for (const auto& s : at_a) {
    EXPECT_EQ(s.at("local_asn").as_int64(), 64500);  // AS64500 requested these
    EXPECT_EQ(s.at("peer_asn").as_int64(), 64501);
    EXPECT_EQ(s.at("status").as_string(), "approved");
    EXPECT_FALSE(s.contains("session_secret"));
    pairs.insert(std::string(s.at("location").at("id").as_string()) + " " +
                 std::string(s.at("local_ip").as_string()));
  }
  EXPECT_EQ(pairs, (std::set<std::string>{"pdb:ix:1 2001:db8:ffff::10", "pdb:ix:2 198.51.100.10",
                                          "pdb:ix:2 2001:db8:fffe::10"}));

  // AS64500 holds the three as its initiator-side sessions, with the secret it sent.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  b.stop();
  util::SecureRandom random;
  auto store = store::SqliteStore::open(b_dir.path() / "peerapi.db", random);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto on_router = (*store)->router_sessions();
  ASSERT_TRUE(on_router.has_value());
  std::size_t initiator_side = 0;
  for (const auto& s : *on_router) {
    if (s.side != store::SessionSide::initiator)
      continue;
    ++initiator_side;
    EXPECT_EQ(s.session.fields.local_asn.value(), 64500u);
    ASSERT_TRUE(s.session.fields.session_secret.has_value());
    EXPECT_EQ(s.session.fields.session_secret->reveal(), "s3cret-Example");
  }
  EXPECT_EQ(initiator_side, 3u);
  EXPECT_NE(b.log().find("proposed 3 additional session(s)"), std::string::npos) << b.log();
}

TEST(Proposals, AReturnUrlThatDoesNotAnswerChangesNothingAndIsLogged) {
  TempDir b_dir;
  ServerProcess b(b_dir.path(),
                  server_config(b_dir.path(), 64500, 64501,
                                "[approval]\npropose_additional = true\n"
                                "[client]\ntoken = \"token-of-64500\"\nmax_retries = 0\n"
                                "timeout_ms = 500\n[outbound]\nallow_loopback = true\n"));
  ASSERT_TRUE(b.wait_ready()) << b.log();
  const std::string body = R"({"return_url": "http://127.0.0.1:9/api", "sessions": [{
      "local_asn": 64501, "local_ip": "192.0.2.11", "peer_asn": 64500, "peer_ip": "192.0.2.10",
      "local_bgp_role": 4, "peer_bgp_role": 4, "peer_type": "public", "location": "pdb:ix:1"}]})";
  auto created = http_call(b.port(), "POST", "/sessions", body, "Bearer token-of-64501");
  ASSERT_EQ(created.status, 200) << created.body;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (b.log().find("proposing additional sessions") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(b.log().find("proposing additional sessions to http://127.0.0.1:9/api failed"),
            std::string::npos)
      << b.log();
  EXPECT_EQ(sessions_of(b.port(), 64501, "token-of-64501").size(), 1u);
}

}  // namespace
}  // namespace peerapi::testing
