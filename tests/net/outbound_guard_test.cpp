#include "net/outbound_guard.hpp"

#include <gtest/gtest.h>

#include <string>

#include "net/fake_resolver.hpp"

namespace peerapi::net {
namespace {

OutboundPolicy documentation_allowed() {
  OutboundPolicy policy;
  policy.allowed_prefixes.push_back(model::Prefix::parse("192.0.2.0/24").value());
  return policy;
}

OutboundPolicy loopback_http() {
  OutboundPolicy policy;
  policy.allow_loopback_http = true;
  return policy;
}

OutboundPolicy loopback_and_documentation() {
  OutboundPolicy policy = documentation_allowed();
  policy.allow_loopback_http = true;
  return policy;
}

class OutboundGuardTest : public ::testing::Test {
 protected:
  OutboundGuardTest() {
    resolver.add("idp.test", {"192.0.2.10"});
    resolver.add("public.test", {"193.0.14.129", "2001:7fd::1"});
    resolver.add("internal.test", {"10.1.1.1"});
    resolver.add("mixed.test", {"192.0.2.10", "10.1.1.1"});
    resolver.add("metadata.test", {"169.254.169.254"});
    resolver.add("mapped.test", {"::ffff:10.0.0.1"});
    resolver.add("loop.test", {"127.0.0.1"});
    resolver.add("loopmixed.test", {"127.0.0.1", "192.0.2.10"});
  }
  test::FakeResolver resolver;
};

struct RefusalRow {
  const char* url;
  OutboundPolicy (*policy)();
  ErrorCode code;
  const char* reason;  // a part of the message
};

OutboundPolicy defaults() {
  return {};
}

TEST_F(OutboundGuardTest, RefusesEachUnsafeTarget) {
  const RefusalRow rows[] = {
      // Addresses that are not globally reachable, as literals.
      {"https://127.0.0.1/", defaults, ErrorCode::io_error, "127.0.0.1 is not globally reachable"},
      {"https://10.0.0.1/jwks", defaults, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"https://192.168.1.1/", defaults, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"https://172.16.5.4/", defaults, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"https://100.64.0.1/", defaults, ErrorCode::io_error, "(Shared Address Space, RFC 6598)"},
      {"https://169.254.169.254/latest/meta-data/", defaults, ErrorCode::io_error, "Link Local"},
      {"https://0.0.0.0/", defaults, ErrorCode::io_error, "This network"},
      {"https://224.0.0.1/", defaults, ErrorCode::io_error, "Multicast"},
      {"https://[::1]/", defaults, ErrorCode::io_error, "::1 is not globally reachable"},
      {"https://[::]/", defaults, ErrorCode::io_error, "Unspecified Address"},
      {"https://[fe80::1]/", defaults, ErrorCode::io_error, "Link-Local Unicast"},
      {"https://[fd00::1]/", defaults, ErrorCode::io_error, "Unique-Local"},
      {"https://[ff02::1]/", defaults, ErrorCode::io_error, "Multicast"},
      {"https://[::ffff:127.0.0.1]/", defaults, ErrorCode::io_error, "IPv4-mapped Address"},
      {"https://[::ffff:127.0.0.1]/", loopback_http, ErrorCode::io_error, "IPv4-mapped Address"},
      {"https://[::ffff:a00:1]/", defaults, ErrorCode::io_error, "IPv4-mapped Address"},
      {"https://[64:ff9b::a00:1]/", defaults, ErrorCode::io_error, "embedding 10.0.0.1"},
      {"https://192.0.2.1/", defaults, ErrorCode::io_error, "Documentation (TEST-NET-1)"},
      // Loopback is refused unless the policy allows it.
      {"http://127.0.0.1:8080/", defaults, ErrorCode::io_error, "plain http is not allowed"},
      // Names: every resolved address counts.
      {"https://internal.test/", defaults, ErrorCode::io_error, "10.1.1.1 is not globally"},
      {"https://mixed.test/", documentation_allowed, ErrorCode::io_error, "10.1.1.1 is not"},
      {"https://metadata.test/", defaults, ErrorCode::io_error, "Link Local"},
      {"https://mapped.test/", defaults, ErrorCode::io_error, "IPv4-mapped Address"},
      {"https://loop.test/", defaults, ErrorCode::io_error, "Loopback"},
      {"https://unknown.test/", defaults, ErrorCode::io_error, "cannot resolve host"},
      // Scheme and plain http.
      {"http://idp.test/", documentation_allowed, ErrorCode::io_error, "plain http is not allowed"},
      {"http://loopmixed.test/", loopback_and_documentation, ErrorCode::io_error,
       "plain http is not allowed"},
      {"ftp://idp.test/jwks", documentation_allowed, ErrorCode::io_error,
       "scheme \"ftp\" is not allowed"},
      {"file:///etc/passwd", defaults, ErrorCode::io_error, "scheme \"file\" is not allowed"},
      {"gopher://127.0.0.1:70/", loopback_http, ErrorCode::io_error, "scheme \"gopher\""},
      // Other spellings of an address, and credentials.
      {"https://127.1/", loopback_http, ErrorCode::io_error, "non-canonical IPv4"},
      {"https://2130706433/", loopback_http, ErrorCode::io_error, "non-canonical IPv4"},
      {"https://0x7f000001/", loopback_http, ErrorCode::io_error, "non-canonical IPv4"},
      {"https://0x7f.1/", loopback_http, ErrorCode::io_error, "non-canonical IPv4"},
      {"https://user:secret@idp.test/", documentation_allowed, ErrorCode::io_error,
       "credentials in the URL"},
      {"https://idp_.test/", documentation_allowed, ErrorCode::io_error, "cannot resolve"},
      // Malformed URLs.
      {"not a url", defaults, ErrorCode::invalid_url, "not an absolute URL"},
      {"/relative/path", defaults, ErrorCode::invalid_url, "not an absolute URL"},
      {"https://exa mple.test/", defaults, ErrorCode::invalid_url, "not an absolute URL"},
      {"https://idp.test:99999/", documentation_allowed, ErrorCode::invalid_url, "port"},
      {"https://idp.test:0/", documentation_allowed, ErrorCode::invalid_url, "port"},
      {"https://idp.test:65536/", documentation_allowed, ErrorCode::invalid_url, "port"},
      {"https://ex%61mple.test/", defaults, ErrorCode::invalid_url, "percent-encoded"},
      {"https:/idp.test/", defaults, ErrorCode::invalid_url, "no host"},
      {"https://[v7.abc]/", defaults, ErrorCode::invalid_url, "no usable host"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.url);
    auto result = check_target(row.url, row.policy(), resolver);
    ASSERT_FALSE(result.has_value()) << result->url;
    EXPECT_EQ(result.error().code, row.code) << result.error().message;
    EXPECT_EQ(result.error().field, "url");
    EXPECT_NE(result.error().message.find(row.reason), std::string::npos) << result.error().message;
  }
}

TEST_F(OutboundGuardTest, LiteralsAndPlainHttpAreRefusedWithoutResolving) {
  for (const char* url : {"https://10.0.0.1/", "https://[fe80::1]/", "http://idp.test/"}) {
    EXPECT_FALSE(check_target(url, documentation_allowed(), resolver).has_value()) << url;
  }
  EXPECT_EQ(resolver.calls(), 0);
}

TEST_F(OutboundGuardTest, AcceptsGloballyReachableHttpsTargets) {
  auto target = check_target("https://public.test/.well-known/jwks.json", {}, resolver);
  ASSERT_TRUE(target.has_value()) << target.error().message;
  EXPECT_EQ(target->scheme, "https");
  EXPECT_EQ(target->host, "public.test");
  EXPECT_FALSE(target->host_is_address);
  EXPECT_EQ(target->port, 443);
  ASSERT_EQ(target->addresses.size(), 2U);
  EXPECT_EQ(target->addresses[0].to_string(), "193.0.14.129");
  EXPECT_EQ(target->addresses[1].to_string(), "2001:7fd::1");
  EXPECT_EQ(target->url, "https://public.test/.well-known/jwks.json");
}

TEST_F(OutboundGuardTest, NormalisesTheUrlHandedToTheTransport) {
  auto target =
      check_target("HTTPS://IDP.Test.:8443/a/b?token=x#frag", documentation_allowed(), resolver);
  ASSERT_TRUE(target.has_value()) << target.error().message;
  EXPECT_EQ(target->host, "idp.test");
  EXPECT_EQ(target->port, 8443);
  EXPECT_EQ(target->url, "https://idp.test:8443/a/b?token=x");
  EXPECT_EQ(target->display, "https://idp.test:8443/a/b");

  auto bare = check_target("https://idp.test", documentation_allowed(), resolver);
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->url, "https://idp.test/");

  auto v6 = check_target("https://[2001:7FD::1]:443/x", {}, resolver);
  ASSERT_TRUE(v6.has_value()) << v6.error().message;
  EXPECT_TRUE(v6->host_is_address);
  EXPECT_EQ(v6->host, "2001:7fd::1");
  EXPECT_EQ(v6->url, "https://[2001:7fd::1]/x");
}

TEST_F(OutboundGuardTest, PolicyAllowsNamedExceptions) {
  // An internal range named in the policy.
  OutboundPolicy internal;
  internal.allowed_prefixes.push_back(model::Prefix::parse("10.1.0.0/16").value());
  EXPECT_TRUE(check_target("https://internal.test/", internal, resolver).has_value());
  EXPECT_FALSE(check_target("https://10.2.0.1/", internal, resolver).has_value());

  // Plain http for one named host.
  OutboundPolicy http_host = documentation_allowed();
  http_host.http_hosts.push_back("idp.test");
  auto plain = check_target("http://idp.test/jwks", http_host, resolver);
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(plain->port, 80);
  EXPECT_FALSE(check_target("http://public.test/", http_host, resolver).has_value());

  // Loopback over http for tests.
  EXPECT_TRUE(check_target("http://127.0.0.1:8080/", loopback_http(), resolver).has_value());
  EXPECT_TRUE(check_target("http://[::1]:8080/", loopback_http(), resolver).has_value());
  EXPECT_TRUE(check_target("http://loop.test:8080/", loopback_http(), resolver).has_value());
  EXPECT_FALSE(check_target("http://10.0.0.1/", loopback_http(), resolver).has_value());
}

TEST_F(OutboundGuardTest, RefusesRedirectDowngrade) {
  OutboundPolicy policy = documentation_allowed();
  policy.http_hosts.push_back("idp.test");
  const auto https = check_target("https://idp.test/a", policy, resolver).value();
  const auto http = check_target("http://idp.test/b", policy, resolver).value();
  auto downgrade = check_redirect(https, http);
  ASSERT_FALSE(downgrade.has_value());
  EXPECT_EQ(downgrade.error().code, ErrorCode::io_error);
  EXPECT_EQ(downgrade.error().field, "url");
  EXPECT_NE(downgrade.error().message.find("redirect from https to http"), std::string::npos);
  EXPECT_TRUE(check_redirect(http, https).has_value());
  EXPECT_TRUE(check_redirect(https, https).has_value());
}

TEST(DisplayUrl, DropsQueryAndFragment) {
  EXPECT_EQ(display_url("https://idp.test/p?secret=1#f"), "https://idp.test/p");
  EXPECT_EQ(display_url("not a url?secret"), "not a url");
}

}  // namespace
}  // namespace peerapi::net
