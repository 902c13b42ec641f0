#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/fake_resolver.hpp"
#include "support/http_double.hpp"

namespace peerapi::net {
namespace {

using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;
using peerapi::testing::redirect_response;

// Records every address the client opens a socket to, and refuses any that is not loopback so
// that a broken guard still sends nothing off this machine.
class ConnectLog {
 public:
  std::function<bool(const model::IpAddress&)> hook() {
    return [this](const model::IpAddress& address) {
      std::lock_guard lock(mutex_);
      seen_.push_back(address.to_string());
      return address.to_string() == "127.0.0.1";
    };
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
};

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    resolver->add("idp.test", {"127.0.0.1"});
    resolver->add("internal.test", {"10.1.1.1"});
  }

  HttpClientOptions options(bool allow_loopback) {
    HttpClientOptions o;
    o.policy.allow_loopback_http = allow_loopback;
    o.connect_timeout_ms = 1'000;
    o.timeout_ms = 2'000;
    o.connect_hook = log.hook();
    return o;
  }
  CurlHttpClient loopback_client() { return CurlHttpClient(options(true), resolver); }
  CurlHttpClient default_client() { return CurlHttpClient(options(false), resolver); }

  static HttpRequest get(std::string url) {
    HttpRequest request;
    request.url = std::move(url);
    return request;
  }

  static void expect_io_error(const Result<HttpResult>& result, const std::string& part) {
    ASSERT_FALSE(result.has_value()) << "status " << result->status;
    EXPECT_EQ(result.error().code, ErrorCode::io_error) << result.error().message;
    EXPECT_EQ(result.error().field, "url");
    EXPECT_NE(result.error().message.find(part), std::string::npos) << result.error().message;
  }

  HttpDouble server;
  std::shared_ptr<test::FakeResolver> resolver = std::make_shared<test::FakeResolver>();
  ConnectLog log;
};

TEST_F(HttpClientTest, GetsFromAnAllowedLoopbackServer) {
  server.set("/doc", json_response(R"({"a":1})", 200, {{"Cache-Control", "max-age=60"}}));
  auto client = loopback_client();
  HttpRequest request = get(server.url("/doc?x=1"));
  request.headers.emplace_back("Accept", "application/json");
  auto result = client.fetch(request);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"a":1})");
  EXPECT_EQ(result->header("content-type"), "application/json");
  EXPECT_EQ(result->header("Cache-Control"), "max-age=60");
  EXPECT_FALSE(result->header("x-absent").has_value());
  EXPECT_EQ(result->url, server.url("/doc?x=1"));

  auto seen = server.last_request("/doc");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "GET");
  EXPECT_EQ(seen->target, "/doc?x=1");
  EXPECT_EQ(seen->header("accept"), "application/json");
  EXPECT_EQ(seen->header("user-agent"), "peerapi");
  EXPECT_EQ(log.seen(), std::vector<std::string>{"127.0.0.1"});
}

TEST_F(HttpClientTest, PostsABody) {
  server.set("/register", json_response(R"({"client_id":"c1"})", 201));
  auto client = loopback_client();
  HttpRequest request = get(server.url("/register"));
  request.method = Method::post;
  request.body = R"({"redirect_uris":[]})";
  request.headers.emplace_back("Content-Type", "application/json");
  auto result = client.fetch(request);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 201);
  auto seen = server.last_request("/register");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->body, R"({"redirect_uris":[]})");
  EXPECT_EQ(seen->header("content-type"), "application/json");
  EXPECT_FALSE(seen->header("expect").has_value());
}

TEST_F(HttpClientTest, LoopbackRefusedUnlessAllowed) {
  server.set("/doc", json_response("{}"));
  auto client = default_client();
  expect_io_error(client.fetch(get(server.url("/doc"))), "plain http is not allowed");
  expect_io_error(client.fetch(get("https://127.0.0.1:" + std::to_string(server.port()) + "/")),
                  "127.0.0.1 is not globally reachable (Loopback");
  EXPECT_EQ(server.connections(), 0);
  EXPECT_TRUE(log.seen().empty());
}

TEST_F(HttpClientTest, InternalLiteralsRefusedWithoutConnecting) {
  const char* urls[] = {
      "https://10.0.0.1/jwks",    "https://192.168.0.1/",
      "https://169.254.169.254/", "https://[::1]/",
      "https://[fe80::1]/",       "https://[::ffff:127.0.0.1]/",
      "https://100.64.0.1/",      "https://172.16.0.1/",
      "https://[fd00::1]/",       "http://[::ffff:127.0.0.1]:9/x",
  };
  for (auto* client_kind : {"default", "loopback"}) {
    auto client = std::string(client_kind) == "default" ? default_client() : loopback_client();
    for (const char* url : urls) {
      if (std::string(client_kind) == "loopback" && std::string(url) == "https://[::1]/")
        continue;  // loopback is what that client allows
      SCOPED_TRACE(std::string(client_kind) + " " + url);
      expect_io_error(client.fetch(get(url)), "refused");
    }
  }
  EXPECT_TRUE(log.seen().empty());
}

TEST_F(HttpClientTest, NameResolvingToAnInternalAddressRefused) {
  auto client = default_client();
  expect_io_error(client.fetch(get("https://internal.test/jwks")),
                  "10.1.1.1 is not globally reachable (Private-Use, RFC 1918)");
  EXPECT_EQ(resolver->calls(), 1);
  EXPECT_TRUE(log.seen().empty());
}

TEST_F(HttpClientTest, ConnectionPinnedToTheCheckedAddress) {
  // "idp.test" exists only in the fake resolver: the request can reach the server only through
  // the address the guard checked, and the name is resolved once.
  server.set("/jwks", json_response(R"({"keys":[]})"));
  auto client = loopback_client();
  const std::string url = "http://idp.test:" + std::to_string(server.port()) + "/jwks";
  auto result = client.fetch(get(url));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(resolver->calls(), 1);
  auto seen = server.last_request("/jwks");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->header("host"), "idp.test:" + std::to_string(server.port()));
  EXPECT_EQ(log.seen(), std::vector<std::string>{"127.0.0.1"});
}

TEST_F(HttpClientTest, FollowsRedirectsCheckingEachHop) {
  server.set("/a", redirect_response("/b", 301));
  server.set("/b", redirect_response(server.url("/c"), 307));
  server.set("/c", json_response("done"));
  auto client = loopback_client();
  auto result = client.fetch(get(server.url("/a")));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "done");
  EXPECT_EQ(result->url, server.url("/c"));
  EXPECT_EQ(server.hits("/a"), 1);
  EXPECT_EQ(server.hits("/b"), 1);
  EXPECT_EQ(server.hits("/c"), 1);
}

TEST_F(HttpClientTest, RedirectNotFollowedWhenAskedNotTo) {
  server.set("/a", redirect_response("/b"));
  auto client = loopback_client();
  HttpRequest request = get(server.url("/a"));
  request.follow_redirects = false;
  auto result = client.fetch(request);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 302);
  EXPECT_EQ(result->header("location"), "/b");
  EXPECT_EQ(server.hits("/b"), 0);
}

TEST_F(HttpClientTest, RedirectToARefusedAddressRefused) {
  server.set("/to-private", redirect_response("https://10.0.0.1/jwks"));
  server.set("/to-metadata", redirect_response("http://169.254.169.254/latest/meta-data/"));
  server.set("/to-internal-name", redirect_response("https://internal.test/"));
  server.set("/to-file", redirect_response("file:///etc/passwd"));
  auto client = loopback_client();
  expect_io_error(client.fetch(get(server.url("/to-private"))),
                  "redirect: https://10.0.0.1/jwks: refused: 10.0.0.1 is not globally reachable");
  expect_io_error(client.fetch(get(server.url("/to-metadata"))), "Link Local");
  expect_io_error(client.fetch(get(server.url("/to-internal-name"))), "10.1.1.1");
  expect_io_error(client.fetch(get(server.url("/to-file"))), "scheme \"file\" is not allowed");
  for (const auto& address : log.seen())
    EXPECT_EQ(address, "127.0.0.1");
  EXPECT_EQ(log.seen().size(), 4U);
}

TEST_F(HttpClientTest, RedirectLoopCapped) {
  server.set("/loop", redirect_response("/loop"));
  auto client = loopback_client();
  expect_io_error(client.fetch(get(server.url("/loop"))), "more than 3 redirects");
  EXPECT_EQ(server.hits("/loop"), 4);  // the request and three redirects

  HttpClientOptions one = options(true);
  one.max_redirects = 1;
  CurlHttpClient strict(one, resolver);
  expect_io_error(strict.fetch(get(server.url("/loop"))), "more than 1 redirects");
  EXPECT_EQ(server.hits("/loop"), 6);
}

TEST_F(HttpClientTest, PostRedirects) {
  server.set("/form", redirect_response("/done", 303));
  server.set("/moved", redirect_response("/done", 308));
  server.set("/elsewhere",
             redirect_response("http://idp.test:" + std::to_string(server.port()) + "/done", 307));
  server.set("/done", json_response("ok"));
  auto client = loopback_client();
  HttpRequest post = get(server.url("/form"));
  post.method = Method::post;
  post.body = "secret=1";

  ASSERT_TRUE(client.fetch(post).has_value());
  auto seen = server.last_request("/done");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "GET");  // RFC 9110 section 15.4.4
  EXPECT_EQ(seen->body, "");

  post.url = server.url("/moved");
  ASSERT_TRUE(client.fetch(post).has_value());
  seen = server.last_request("/done");
  EXPECT_EQ(seen->method, "POST");  // RFC 9110 section 15.4.9
  EXPECT_EQ(seen->body, "secret=1");

  post.url = server.url("/elsewhere");
  expect_io_error(client.fetch(post), "resend the request body to another origin");
  EXPECT_EQ(server.hits("/done"), 2);
}

TEST_F(HttpClientTest, CredentialsDroppedOnCrossOriginRedirect) {
  server.set("/same", redirect_response("/landing"));
  server.set("/cross",
             redirect_response("http://idp.test:" + std::to_string(server.port()) + "/landing"));
  server.set("/landing", json_response("{}"));
  auto client = loopback_client();
  HttpRequest request = get(server.url("/same"));
  request.headers = {{"Authorization", "Bearer abc"}, {"Accept", "application/json"}};

  ASSERT_TRUE(client.fetch(request).has_value());
  EXPECT_EQ(server.last_request("/landing")->header("authorization"), "Bearer abc");

  request.url = server.url("/cross");
  ASSERT_TRUE(client.fetch(request).has_value());
  auto seen = server.last_request("/landing");
  EXPECT_FALSE(seen->header("authorization").has_value());
  EXPECT_EQ(seen->header("accept"), "application/json");
}

TEST_F(HttpClientTest, OversizedBodyAborted) {
  server.set("/big", CannedResponse{200, {}, std::string(256 * 1024, 'x'), {}, false});
  server.set("/big-chunked", CannedResponse{200, {}, std::string(256 * 1024, 'x'), {}, true});
  server.set("/fits", CannedResponse{200, {}, std::string(16 * 1024, 'x'), {}, true});
  HttpClientOptions small = options(true);
  small.max_response_bytes = 16 * 1024;
  CurlHttpClient client(small, resolver);
  expect_io_error(client.fetch(get(server.url("/big"))), "response body larger than 16384 bytes");
  expect_io_error(client.fetch(get(server.url("/big-chunked"))),
                  "response body larger than 16384 bytes");
  auto fits = client.fetch(get(server.url("/fits")));
  ASSERT_TRUE(fits.has_value()) << fits.error().message;
  EXPECT_EQ(fits->body.size(), 16U * 1024U);

  HttpRequest lower = get(server.url("/fits"));
  lower.max_response_bytes = 1024;
  expect_io_error(client.fetch(lower), "response body larger than 1024 bytes");
}

TEST_F(HttpClientTest, OversizedHeaderAborted) {
  server.set("/fat", CannedResponse{200, {{"X-Padding", std::string(12 * 1024, 'p')}}, "", {}});
  HttpClientOptions small = options(true);
  small.max_header_bytes = 8 * 1024;
  CurlHttpClient client(small, resolver);
  expect_io_error(client.fetch(get(server.url("/fat"))), "response header larger than 8192 bytes");
}

TEST_F(HttpClientTest, SlowServerTimesOut) {
  server.set("/slow", CannedResponse{200, {}, "late", std::chrono::milliseconds(5'000)});
  HttpClientOptions quick = options(true);
  quick.timeout_ms = 300;
  CurlHttpClient client(quick, resolver);
  const auto start = std::chrono::steady_clock::now();
  expect_io_error(client.fetch(get(server.url("/slow"))), "timed out");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1'500));
}

TEST_F(HttpClientTest, StatusIsReturnedAndRequireSuccessNamesIt) {
  server.set("/broken", CannedResponse{500, {}, "oops", {}});
  auto client = loopback_client();
  auto result = client.fetch(get(server.url("/broken?secret=1")));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, 500);
  EXPECT_FALSE(result->ok());
  auto checked = require_success(*result);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().code, ErrorCode::io_error);
  EXPECT_EQ(checked.error().field, "url");
  EXPECT_EQ(checked.error().message, server.url("/broken") + ": HTTP 500");
}

TEST_F(HttpClientTest, TlsToAPlainServerFails) {
  server.set("/", json_response("{}"));
  auto client = loopback_client();
  expect_io_error(client.fetch(get("https://127.0.0.1:" + std::to_string(server.port()) + "/")),
                  "TLS failure");
}

TEST_F(HttpClientTest, BadRequestHeadersRefusedBeforeSending) {
  struct Row {
    std::string name;
    std::string value;
    const char* reason;
  };
  const Row rows[] = {
      {"Authorization", "Bearer a\r\nX-Injected: 1", "CR, LF or NUL"},
      {"X-Thing", std::string("a\0b", 3), "CR, LF or NUL"},
      {"Bad Name", "v", "not an RFC 9110 token"},
      {"", "v", "not an RFC 9110 token"},
      {"Host", "internal.test", "set by the HTTP client"},
      {"content-length", "0", "set by the HTTP client"},
      {"Transfer-Encoding", "chunked", "set by the HTTP client"},
  };
  auto client = loopback_client();
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    HttpRequest request = get(server.url("/"));
    request.headers = {{"Accept", "*/*"}, {row.name, row.value}};
    auto result = client.fetch(request);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(result.error().field, "headers[1]");
    EXPECT_NE(result.error().message.find(row.reason), std::string::npos);
    EXPECT_EQ(result.error().message.find("Bearer"), std::string::npos);
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(HttpClientTest, ConcurrentFetches) {
  server.set("/doc", json_response(R"({"ok":true})"));
  auto client = loopback_client();
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto result = client.fetch(get(server.url("/doc")));
        if (result && result->status == 200 && result->body == R"({"ok":true})")
          ++good;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(good.load(), 20);
  EXPECT_EQ(server.hits("/doc"), 20);
}

TEST_F(HttpClientTest, DeletesWithAndWithoutABody) {
  server.set("/sessions", json_response(R"({"sessions":[],"errors":[]})"));
  server.set("/sessions/one", CannedResponse{204, {}, "", {}, false});
  server.set("/old", redirect_response("/sessions/one", 308));
  auto client = loopback_client();

  HttpRequest plain = get(server.url("/sessions/one"));
  plain.method = Method::del;
  auto result = client.fetch(plain);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 204);
  auto seen = server.last_request("/sessions/one");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "DELETE");
  EXPECT_EQ(seen->body, "");

  HttpRequest batch = get(server.url("/sessions"));
  batch.method = Method::del;
  batch.body = R"({"sessions":[{"session_id":"x"}]})";
  batch.headers.emplace_back("Content-Type", "application/json");
  result = client.fetch(batch);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  seen = server.last_request("/sessions");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "DELETE");
  EXPECT_EQ(seen->body, R"({"sessions":[{"session_id":"x"}]})");
  EXPECT_EQ(seen->header("content-type"), "application/json");

  HttpRequest moved = get(server.url("/old"));
  moved.method = Method::del;
  ASSERT_TRUE(client.fetch(moved).has_value());
  EXPECT_EQ(server.last_request("/sessions/one")->method, "DELETE");  // RFC 9110 15.4.9
  EXPECT_EQ(server.hits("/sessions/one"), 2);
}

}  // namespace
}  // namespace peerapi::net
