// The draft's threat model (draft-ietf-grow-peering-api, Security Considerations, "Threats")
// against a real `peerapi serve`: each test names the threat it plays, sends what an attacker
// would, and checks the answer AND that nothing was stored, through the API for both tokens and
// in the SQLite file after the server stopped.
//   T1: an IX member impersonates another member by ASN or by IP address.
//   T2: a party answers (or reads, deletes, overrides) on behalf of another member.
//   T3: anyone impersonates any ASN with a bad credential, or overloads the validations.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/dev_idp.hpp"
#include "auth/dpop/proof.hpp"
#include "auth/jose/jws.hpp"
#include "integration/server_process.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kOrigin = "http://peerapi.test";  // [server] public_url
constexpr std::string_view kIssuer = "https://idp.peerapi.test";
constexpr auto kFast = 2s;  // the bound on every refusal's answer time

std::string wrap(const std::string& sessions) {
  return R"({"sessions":[)" + sessions + "]}";
}

/// A session at DOC-IX (pdb:ix:1), where AS64500 (the server) is 192.0.2.10, AS64501 is
/// 192.0.2.11 and AS64502 is 192.0.2.12 (examples/peeringdb).
std::string session(std::uint32_t local_asn, const std::string& local_ip,
                    std::uint32_t peer_asn = 64500, const std::string& extra = "") {
  return R"({"local_asn":)" + std::to_string(local_asn) + R"(,"local_ip":")" + local_ip +
         R"(","peer_asn":)" + std::to_string(peer_asn) +
         R"(,"peer_ip":"192.0.2.10","location":"pdb:ix:1")" + extra + "}";
}

std::string header_of(const HttpResult& result, const std::string& name) {
  const auto found = result.headers.find(name);
  return found == result.headers.end() ? std::string() : found->second;
}

bool has_code(const HttpResult& result, std::string_view code) {
  return result.body.find("\"code\":\"" + std::string(code) + "\"") != std::string::npos;
}

/// A plain-HTTP request with any headers, for what http_call cannot send (a DPoP header).
HttpResult raw_call(int port, const std::string& method, const std::string& target,
                    const std::string& body, const std::map<std::string, std::string>& headers) {
  HttpResult result;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return result;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                        "Connection: close\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n";
  for (const auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  request += "\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return result;
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos)
    return result;
  result.status = std::stoi(response.substr(9, 3));
  result.body = response.substr(head_end + 4);
  std::size_t line = response.find("\r\n") + 2;
  while (line < head_end) {
    const std::size_t end = response.find("\r\n", line);
    const std::string field = response.substr(line, end - line);
    if (const auto colon = field.find(':'); colon != std::string::npos) {
      std::string name = field.substr(0, colon);
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = field.substr(field.find_first_not_of(' ', colon + 1));
    }
    line = end + 2;
  }
  return result;
}

/// A `peerapi serve` on the example data with the two dev tokens and a trusted development IdP
/// (EdDSA key, JWKS in a file) whose tokens name the server by kOrigin.
class ThreatServer {
 public:
  /// `limits`: a [limits] table for the rate-limit rows (empty: the defaults).
  explicit ThreatServer(const std::string& limits = "")
      : idp_key_(*auth::dev_idp::generate_key("EdDSA")),
        stranger_key_(*auth::dev_idp::generate_key("EdDSA")),
        client_key_(*auth::dev_idp::generate_key("ES256")) {
    const auto jwks = dir_.path() / "idp.jwks.json";
    write_file(jwks, *auth::dev_idp::jwks_json(idp_key_));
    server_ = std::make_unique<ServerProcess>(
        dir_.path(),
        process_config(dir_.path(), "public_url = \"" + std::string(kOrigin) + "\"\n",
                       "[[auth.issuers]]\nissuer = \"" + std::string(kIssuer) +
                           "\"\naudience = \"" + std::string(kOrigin) + "\"\njwks_file = \"" +
                           jwks.string() + "\"\nalgorithms = [\"EdDSA\"]\n" + limits));
  }

  bool ready() { return server_->wait_ready(); }
  int port() const { return server_->port(); }
  std::string log() { return server_->log(); }

  /// Sessions each dev token sees through GET /sessions (-1 when the listing fails).
  int visible(std::uint32_t asn) {
    const auto listed = http_call(port(), "GET", "/sessions?asn=" + std::to_string(asn), "",
                                  "Bearer dev-token-" + std::to_string(asn));
    if (listed.status != 200)
      return -1;
    return static_cast<int>(json::parse(listed.body).at("sessions").as_array().size());
  }
  int visible_to_both() {
    const int a = visible(64501);
    const int b = visible(64502);
    return a < 0 || b < 0 ? -1 : a + b;
  }

  /// Stops the server (SIGTERM) and counts the sessions in its SQLite file.
  std::int64_t stored_after_stop() {
    EXPECT_EQ(server_->stop(), 0);
    util::SecureRandom random;
    auto store = store::SqliteStore::open(dir_.path() / "peerapi.db", random);
    if (!store) {
      ADD_FAILURE() << store.error().message;
      return -1;
    }
    return *(*store)->count_sessions();
  }

  /// A token from the trusted IdP (or as the test changes it).
  std::string token(std::uint32_t asn, const util::Clock& clock,
                    const std::optional<std::string>& dpop_jkt = std::nullopt,
                    const auth::jose::Jwk* key = nullptr, std::string_view issuer = kIssuer) {
    auth::dev_idp::TokenRequest request;
    request.issuer = std::string(issuer);
    request.audience = std::string(kOrigin);
    request.asns = {*model::Asn::from_number(asn)};
    request.ttl_seconds = 600;
    request.dpop_jkt = dpop_jkt;
    return *auth::dev_idp::issue_token(key != nullptr ? *key : idp_key_, request, clock, random_);
  }
  /// A correctly signed token whose networks claim is empty.
  std::string token_without_networks() {
    const std::int64_t now = util::SystemClock().now_ms() / 1000;
    json::object claims{{"iss", kIssuer},
                        {"aud", kOrigin},
                        {"sub", "nobody@example.net"},
                        {"iat", now},
                        {"exp", now + 600},
                        {"jti", "threats-empty-networks"},
                        {"client_id", "threats"},
                        {"scope", "urn:ietf:params:oauth:scope:peering-api"},
                        {"networks", json::array{}}};
    return *auth::jose::sign_jwt(*auth::jose::algorithm_from_name("EdDSA"), idp_key_,
                                 json::object{{"typ", "at+jwt"}, {"kid", idp_key_.kid()}}, claims);
  }
  /// A token with "alg":"none" and no signature (RFC 8725 section 2.1).
  std::string unsigned_token() {
    const std::int64_t now = util::SystemClock().now_ms() / 1000;
    const json::object claims{
        {"iss", kIssuer},
        {"aud", kOrigin},
        {"sub", "noc@as64501.example"},
        {"iat", now},
        {"exp", now + 600},
        {"jti", "threats-alg-none"},
        {"client_id", "threats"},
        {"networks", json::array{json::object{{"asn", 64501}, {"perms", 15}}}}};
    return util::base64url_encode(R"({"alg":"none","typ":"at+jwt"})") + "." +
           util::base64url_encode(json::serialize(claims)) + ".";
  }

  const auth::jose::Jwk& stranger_key() const { return stranger_key_; }
  const auth::jose::Jwk& client_key() const { return client_key_; }
  util::SecureRandom& random() { return random_; }

 private:
  TempDir dir_;
  util::SecureRandom random_;
  auth::jose::Jwk idp_key_;
  auth::jose::Jwk stranger_key_;
  auth::jose::Jwk client_key_;
  std::unique_ptr<ServerProcess> server_;
};

// ---- T1: impersonating another IX member by ASN or IP address ------------------------------

TEST(ThreatT1, AMemberCannotAskInAnotherMembersAsn) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  // AS64501's token, AS64502's ASN and its real address at the IX.
  const auto response = http_call(server.port(), "POST", "/sessions",
                                  wrap(session(64502, "192.0.2.12")), "Bearer dev-token-64501");
  EXPECT_EQ(response.status, 403) << response.body;
  EXPECT_TRUE(has_code(response, "asn_not_authorized")) << response.body;
  EXPECT_NE(response.body.find("local_asn"), std::string::npos) << response.body;
  // Nor by a read or a listing.
  EXPECT_EQ(
      http_call(server.port(), "GET", "/sessions?asn=64502", "", "Bearer dev-token-64501").status,
      403);
  EXPECT_EQ(server.visible_to_both(), 0);
  EXPECT_EQ(server.stored_after_stop(), 0);
}

TEST(ThreatT1, AMemberCannotAskFromAnotherMembersAddress) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  struct Row {
    const char* name;
    std::string local_ip;
    const char* code;
  };
  const Row rows[] = {
      // AS64502's address at DOC-IX, named by AS64501.
      {"another member's IPv4", "192.0.2.12", "ip_not_caller_address"},
      {"another member's IPv6", "2001:db8:ffff::12", "ip_not_caller_address"},
      // The server's own address.
      {"the server's address", "192.0.2.10", "ip_not_caller_address"},
  };
  for (const Row& row : rows) {
    std::string body = session(64501, row.local_ip);
    if (row.local_ip.find(':') != std::string::npos) {
      body = R"({"local_asn":64501,"local_ip":")" + row.local_ip +
             R"(","peer_asn":64500,"peer_ip":"2001:db8:ffff::10","location":"pdb:ix:1"})";
    }
    const auto response =
        http_call(server.port(), "POST", "/sessions", wrap(body), "Bearer dev-token-64501");
    EXPECT_EQ(response.status, 422) << row.name << ": " << response.body;
    EXPECT_TRUE(has_code(response, row.code)) << row.name << ": " << response.body;
    EXPECT_NE(response.body.find("sessions[0].local_ip"), std::string::npos)
        << row.name << ": " << response.body;
  }
  EXPECT_EQ(server.visible_to_both(), 0);
  EXPECT_EQ(server.stored_after_stop(), 0);
}

// ---- T2: answering, reading or changing on behalf of another member ------------------------

TEST(ThreatT2, ARequestForAnotherNetworkThanTheServerIsRejectedNamingTheRule) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  // peer_asn names AS64502: this server (AS64500) would be answering for another member.
  const auto response =
      http_call(server.port(), "POST", "/sessions",
                wrap(R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64502,)"
                     R"("peer_ip":"192.0.2.12","location":"pdb:ix:1"})"),
                "Bearer dev-token-64501");
  EXPECT_EQ(response.status, 422) << response.body;
  EXPECT_TRUE(has_code(response, "not_server_asn")) << response.body;
  EXPECT_NE(response.body.find("peer_* describes this server's network (AS64500)"),
            std::string::npos)
      << response.body;
  EXPECT_EQ(server.visible_to_both(), 0);
  EXPECT_EQ(server.stored_after_stop(), 0);
}

TEST(ThreatT2, AnotherMemberCannotReadOrDeleteASession) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  const auto created = http_call(server.port(), "POST", "/sessions",
                                 wrap(session(64501, "192.0.2.11")), "Bearer dev-token-64501");
  ASSERT_EQ(created.status, 200) << created.body;
  const json::value accepted = json::parse(created.body).at("sessions").at(0);
  const std::string id(accepted.at("session_id").as_string());
  const std::string status(accepted.at("status").as_string());

  const auto read =
      http_call(server.port(), "GET", "/sessions/" + id, "", "Bearer dev-token-64502");
  EXPECT_EQ(read.status, 404) << read.body;
  EXPECT_EQ(read.body.find("192.0.2.11"), std::string::npos) << "nothing of it is revealed";
  const auto deleted =
      http_call(server.port(), "DELETE", "/sessions/" + id, "", "Bearer dev-token-64502");
  EXPECT_EQ(deleted.status, 404) << deleted.body;
  const auto unknown =
      http_call(server.port(), "GET", "/sessions/00000000-0000-4000-8000-000000000000", "",
                "Bearer dev-token-64502");
  EXPECT_EQ(unknown.status, 404);
  std::string foreign_as_unknown = read.body;
  for (auto at = foreign_as_unknown.find(id); at != std::string::npos;
       at = foreign_as_unknown.find(id))
    foreign_as_unknown.replace(at, id.size(), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(foreign_as_unknown, unknown.body) << "a foreign session looks like an unknown one";

  const auto own = http_call(server.port(), "GET", "/sessions/" + id, "", "Bearer dev-token-64501");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(json::parse(own.body).at("status").as_string(), status) << "unchanged";
  EXPECT_EQ(server.visible(64501), 1);
  EXPECT_EQ(server.visible(64502), 0);
  EXPECT_EQ(server.stored_after_stop(), 1);
}

TEST(ThreatT2, ServerSideFieldsCannotBeSetByTheCaller) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  // session_id is the server's to assign: the session is rejected, naming the field.
  const auto with_id =
      http_call(server.port(), "POST", "/sessions",
                wrap(session(64501, "192.0.2.11", 64500,
                             R"(,"session_id":"00000000-0000-4000-8000-000000000001")")),
                "Bearer dev-token-64501");
  EXPECT_EQ(with_id.status, 400) << with_id.body;
  EXPECT_TRUE(has_code(with_id, "invalid_value")) << with_id.body;
  EXPECT_NE(with_id.body.find("sessions[0].session_id"), std::string::npos) << with_id.body;
  EXPECT_EQ(server.visible_to_both(), 0);

  // status is tolerated on input (a client may send back what it read) and ignored: the
  // session starts where the server's approval puts it, not at "established".
  const auto with_status =
      http_call(server.port(), "POST", "/sessions",
                wrap(session(64501, "192.0.2.11", 64500, R"(,"status":"established")")),
                "Bearer dev-token-64501");
  ASSERT_EQ(with_status.status, 200) << with_status.body;
  const json::value stored = json::parse(with_status.body).at("sessions").at(0);
  EXPECT_NE(stored.at("status").as_string(), "established");
  const std::string id(stored.at("session_id").as_string());
  EXPECT_NE(id, "00000000-0000-4000-8000-000000000001");
  const auto read =
      http_call(server.port(), "GET", "/sessions/" + id, "", "Bearer dev-token-64501");
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(json::parse(read.body).at("status").as_string(), stored.at("status").as_string());
  EXPECT_EQ(server.stored_after_stop(), 1);
}

// ---- T3: any-ASN impersonation with a bad credential --------------------------------------

TEST(ThreatT3, BadCredentialsAreUnauthenticatedAndStoreNothing) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  util::SystemClock now;
  util::ManualClock two_hours_ago(now.now_ms() - 2 * 3600 * 1000);
  const std::string good = server.token(64501, now);
  struct Row {
    const char* name;
    std::string authorization;
  };
  const Row rows[] = {
      {"no credentials", ""},
      {"unknown static token", "Bearer dev-token-64599"},
      {"unsigned token (alg none)", "Bearer " + server.unsigned_token()},
      {"token signed by an unknown key",
       "Bearer " + server.token(64501, now, std::nullopt, &server.stranger_key())},
      {"expired token", "Bearer " + server.token(64501, two_hours_ago)},
      {"token of an unknown issuer",
       "Bearer " + server.token(64501, now, std::nullopt, nullptr, "https://evil.example")},
      {"token whose networks claim is empty", "Bearer " + server.token_without_networks()},
      {"token with a flipped signature bit", "Bearer " + good.substr(0, good.size() - 2) +
                                                 (good[good.size() - 2] == 'A' ? "B" : "A") +
                                                 good.back()},
      {"DPoP-bound token sent as a bearer token",
       "Bearer " + server.token(64501, now, server.client_key().thumbprint())},
  };
  for (const Row& row : rows) {
    const auto start = std::chrono::steady_clock::now();
    const auto response = http_call(server.port(), "POST", "/sessions",
                                    wrap(session(64501, "192.0.2.11")), row.authorization);
    EXPECT_LT(std::chrono::steady_clock::now() - start, kFast) << row.name;
    EXPECT_EQ(response.status, 401) << row.name << ": " << response.body;
    EXPECT_FALSE(header_of(response, "www-authenticate").empty()) << row.name;
  }
  // The good token works: the rows failed for their flaw alone.
  const auto accepted = http_call(server.port(), "POST", "/sessions",
                                  wrap(session(64501, "192.0.2.11")), "Bearer " + good);
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(server.visible_to_both(), 1);
  EXPECT_EQ(server.stored_after_stop(), 1);
}

TEST(ThreatT3, AReplayedDpopProofIsRefused) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  util::SystemClock now;
  const std::string token = server.token(64501, now, server.client_key().thumbprint());
  const std::string proof = *auth::dpop::make_proof(
      server.client_key(), *auth::jose::algorithm_from_name("ES256"), "POST",
      std::string(kOrigin) + "/sessions", token, std::nullopt, now.now_ms(), server.random());
  const std::map<std::string, std::string> headers{
      {"Authorization", "DPoP " + token}, {"DPoP", proof}, {"Content-Type", "application/json"}};
  const auto first =
      raw_call(server.port(), "POST", "/sessions", wrap(session(64501, "192.0.2.11")), headers);
  ASSERT_EQ(first.status, 200) << first.body;
  // The same proof again, for a different body: refused before the body is looked at.
  const auto replayed = raw_call(server.port(), "POST", "/sessions",
                                 wrap(session(64501, "2001:db8:ffff::11", 64500, "")), headers);
  EXPECT_EQ(replayed.status, 401) << replayed.body;
  EXPECT_NE(header_of(replayed, "www-authenticate").find("DPoP"), std::string::npos)
      << header_of(replayed, "www-authenticate");
  EXPECT_NE(replayed.body.find("dpop.jti"), std::string::npos) << replayed.body;
  EXPECT_EQ(server.visible_to_both(), 1);
  EXPECT_EQ(server.stored_after_stop(), 1);
}

// ---- T3: overloading the internal validations ---------------------------------------------

std::string sessions_json(int count, const std::function<std::string(int)>& one) {
  std::string out;
  for (int i = 0; i < count; ++i)
    out += (i == 0 ? "" : ",") + one(i);
  return out;
}

TEST(ThreatT3, OverloadIsRefusedFastAndStoresNothing) {
  ThreatServer server;
  ASSERT_TRUE(server.ready()) << server.log();
  std::string deep = R"({"sessions":[)";
  for (int i = 0; i < 40; ++i)
    deep += R"({"x":[)";
  for (int i = 0; i < 40; ++i)
    deep += "]}";
  deep += "]}";
  struct Row {
    const char* name;
    std::string body;
    int status;
    const char* code;  // in the error body; nullptr: not checked (a body-less refusal)
  };
  const Row rows[] = {
      {"101 sessions (max_sessions_per_request is 100)",
       wrap(sessions_json(101, [](int) { return session(64501, "192.0.2.11"); })), 413,
       "too_many_items"},
      {"JSON nested deeper than max_json_depth", deep, 400, "too_deep"},
      {"a body over max_body_bytes",
       wrap(session(64501, "192.0.2.11", 64500,
                    R"(,"x":")" + std::string((1 << 20) + 1024, 'a') + "\"")),
       413, nullptr},
      {"100 different local ASNs",
       wrap(sessions_json(100,
                          [](int i) {
                            return session(static_cast<std::uint32_t>(4'200'000'000u + i),
                                           "192.0.2.11");
                          })),
       403, "asn_not_authorized"},
      {"a huge string field",
       wrap(R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,)"
            R"("peer_ip":"192.0.2.10","location":")" +
            std::string(500'000, 'x') + "\"}"),
       400, nullptr},
      // Floods: ThreatT3.AFloodFromOneAsnIsRateLimited, ThreatT3.ForgedTokensAreRateLimited...
  };
  for (const Row& row : rows) {
    const auto start = std::chrono::steady_clock::now();
    const auto response =
        http_call(server.port(), "POST", "/sessions", row.body, "Bearer dev-token-64501");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, kFast) << row.name;
    EXPECT_EQ(response.status, row.status) << row.name << ": " << response.body.substr(0, 300);
    if (row.code != nullptr) {
      EXPECT_TRUE(has_code(response, row.code)) << row.name << ": " << response.body.substr(0, 300);
    }
  }
  EXPECT_EQ(server.visible_to_both(), 0);
  // Still answering a normal request afterwards.
  const auto normal = http_call(server.port(), "POST", "/sessions",
                                wrap(session(64501, "192.0.2.11")), "Bearer dev-token-64501");
  EXPECT_EQ(normal.status, 200) << normal.body;
  EXPECT_EQ(server.stored_after_stop(), 1);
}

/// One caller flooding POST /sessions: after its ASN's burst every request is 429 with a
/// Retry-After, nothing more is stored, and another member is still served.
TEST(ThreatT3, AFloodFromOneAsnIsRateLimitedAndStoresNothingMore) {
  ThreatServer server("[limits]\nper_asn_rate = 0.01\nper_asn_burst = 3\n");
  ASSERT_TRUE(server.ready()) << server.log();
  int answered = 0;
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    const auto response = http_call(server.port(), "POST", "/sessions",
                                    wrap(session(64501, "192.0.2.11")), "Bearer dev-token-64501");
    if (response.status == 429) {
      ++limited;
      EXPECT_TRUE(has_code(response, "rate_limited")) << response.body;
      EXPECT_GE(std::stoi(header_of(response, "retry-after")), 1);
    } else {
      ++answered;
    }
  }
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(limited, 7);
  const auto other = http_call(server.port(), "POST", "/sessions",
                               wrap(session(64502, "192.0.2.12")), "Bearer dev-token-64502");
  EXPECT_EQ(other.status, 200) << other.body;
  // At most one session per answered request (the same session again is not stored twice).
  const auto stored = server.stored_after_stop();
  EXPECT_GE(stored, 2);
  EXPECT_LE(stored, 4);
}

/// Forged tokens from one address: after the address's burst they are refused with 429 before
/// any signature is checked (the validations cannot be used to burn the server's CPU).
TEST(ThreatT3, ForgedTokensFromOneAddressAreRateLimitedBeforeValidation) {
  ThreatServer server("[limits]\nper_address_rate = 0.01\nper_address_burst = 5\n");
  ASSERT_TRUE(server.ready()) << server.log();
  util::SystemClock now;
  const std::string forged = server.token(64501, now, std::nullopt, &server.stranger_key());
  int unauthenticated = 0;
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    const auto response = http_call(server.port(), "POST", "/sessions",
                                    wrap(session(64501, "192.0.2.11")), "Bearer " + forged);
    unauthenticated += response.status == 401;
    limited += response.status == 429;
  }
  // wait_ready's /readyz is in the health group, which the address bucket does not charge.
  EXPECT_EQ(unauthenticated, 5);
  EXPECT_EQ(limited, 15);
  EXPECT_EQ(server.stored_after_stop(), 0);
}

}  // namespace
}  // namespace peerapi::testing
