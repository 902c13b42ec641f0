// net::check_endpoint: the outbound guard for plain TCP sources (IRRd whois, RTR). One refused
// target per row, with the code, the field (the configuration key) and a part of the reason;
// the resolver is injected, so names resolve wherever a row needs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "net/fake_resolver.hpp"
#include "net/outbound_guard.hpp"

namespace peerapi::net {
namespace {

constexpr std::string_view kField = "sources.rpki.rtr";

OutboundPolicy defaults() {
  return {};
}

OutboundPolicy loopback_allowed() {
  OutboundPolicy policy;
  policy.allow_loopback_http = true;
  return policy;
}

OutboundPolicy private_allowed() {
  OutboundPolicy policy;
  policy.allowed_prefixes.push_back(model::Prefix::parse("10.0.0.0/8").value());
  policy.allowed_prefixes.push_back(model::Prefix::parse("fd00::/8").value());
  return policy;
}

/// Answers `first` on the first lookup and `later` on every later one: a DNS rebinding attack.
class RebindingResolver final : public Resolver {
 public:
  RebindingResolver(std::string first, std::string later)
      : first_(std::move(first)), later_(std::move(later)) {}
  Result<std::vector<model::IpAddress>> resolve(const std::string&) override {
    ++calls_;
    return std::vector<model::IpAddress>{
        model::IpAddress::parse(calls_ == 1 ? first_ : later_).value()};
  }
  [[nodiscard]] int calls() const { return calls_; }

 private:
  std::string first_;
  std::string later_;
  int calls_ = 0;
};

class EndpointGuardTest : public ::testing::Test {
 protected:
  EndpointGuardTest() {
    resolver.add("rtr.test", {"193.0.14.129", "2001:7fd::1"});
    resolver.add("internal.test", {"10.1.1.1"});
    resolver.add("mixed.test", {"193.0.14.129", "10.1.1.1"});
    resolver.add("loop.test", {"127.0.0.1"});
    resolver.add("loop6.test", {"::1"});
    resolver.add("metadata.test", {"169.254.169.254"});
    resolver.add("mapped.test", {"::ffff:127.0.0.1"});
  }
  test::FakeResolver resolver;
};

struct RefusalRow {
  const char* host;
  OutboundPolicy (*policy)();
  ErrorCode code;
  const char* reason;  // a part of the message
};

TEST_F(EndpointGuardTest, RefusesEachUnsafeTarget) {
  const RefusalRow rows[] = {
      // Literals that are not globally reachable.
      {"127.0.0.1", defaults, ErrorCode::io_error, "127.0.0.1 is not globally reachable (Loopback"},
      {"127.8.9.10", defaults, ErrorCode::io_error, "(Loopback, RFC 1122"},
      {"::1", defaults, ErrorCode::io_error, "::1 is not globally reachable (Loopback Address"},
      {"10.0.0.1", defaults, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"172.16.5.4", defaults, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"192.168.1.1", defaults, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"169.254.169.254", defaults, ErrorCode::io_error, "(Link Local, RFC 3927)"},
      {"fe80::1", defaults, ErrorCode::io_error, "Link-Local Unicast"},
      {"fd00::1", defaults, ErrorCode::io_error, "Unique-Local"},
      {"224.0.0.1", defaults, ErrorCode::io_error, "(Multicast, RFC 5771)"},
      {"ff02::1", defaults, ErrorCode::io_error, "Multicast"},
      {"0.0.0.0", defaults, ErrorCode::io_error, "(This network, RFC 791"},
      {"::", defaults, ErrorCode::io_error, "Unspecified Address"},
      {"255.255.255.255", defaults, ErrorCode::io_error, "Limited Broadcast"},
      {"192.0.2.1", defaults, ErrorCode::io_error, "Documentation (TEST-NET-1)"},
      {"2001:db8::1", defaults, ErrorCode::io_error, "(Documentation, RFC 3849)"},
      // IPv4-mapped loopback is refused even where loopback is allowed.
      {"::ffff:127.0.0.1", defaults, ErrorCode::io_error, "IPv4-mapped Address"},
      {"::ffff:127.0.0.1", loopback_allowed, ErrorCode::io_error, "IPv4-mapped Address"},
      {"64:ff9b::a00:1", defaults, ErrorCode::io_error, "embedding 10.0.0.1"},
      // Other spellings of an IPv4 address (inet_aton would connect to 127.0.0.1).
      {"127.1", defaults, ErrorCode::io_error, "non-canonical IPv4"},
      {"2130706433", defaults, ErrorCode::io_error, "non-canonical IPv4"},
      {"0x7f000001", defaults, ErrorCode::io_error, "non-canonical IPv4"},
      {"0177.0.0.1", defaults, ErrorCode::io_error, "non-canonical IPv4"},
      {"127.000.000.001", defaults, ErrorCode::io_error, "non-canonical IPv4"},
      // Not a host at all.
      {"", defaults, ErrorCode::io_error, "empty host"},
      {"rtr .test", defaults, ErrorCode::io_error, "host name must be ASCII"},
      {"fe80::1%eth0", defaults, ErrorCode::io_error, "host name must be ASCII"},
      {"[::1]", defaults, ErrorCode::io_error, "host name must be ASCII"},
      // Names: every address the name resolves to counts.
      {"internal.test", defaults, ErrorCode::io_error, "10.1.1.1 is not globally reachable"},
      {"mixed.test", defaults, ErrorCode::io_error, "10.1.1.1 is not globally reachable"},
      {"loop.test", defaults, ErrorCode::io_error, "127.0.0.1 is not globally reachable"},
      {"loop6.test", defaults, ErrorCode::io_error, "::1 is not globally reachable"},
      {"metadata.test", defaults, ErrorCode::io_error, "(Link Local, RFC 3927)"},
      {"mapped.test", loopback_allowed, ErrorCode::io_error, "IPv4-mapped Address"},
      // Allowing one range allows nothing else.
      {"192.168.1.1", private_allowed, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      {"127.0.0.1", private_allowed, ErrorCode::io_error, "(Loopback"},
      {"10.0.0.1", loopback_allowed, ErrorCode::io_error, "(Private-Use, RFC 1918)"},
      // A name that does not resolve is a transient failure, not a refusal.
      {"nowhere.test", defaults, ErrorCode::unavailable, "cannot resolve host \"nowhere.test\""},
  };
  for (const RefusalRow& row : rows) {
    const int calls_before = resolver.calls();
    auto checked = check_endpoint(row.host, 323, kField, row.policy(), resolver);
    ASSERT_FALSE(checked) << row.host;
    EXPECT_EQ(checked.error().code, row.code) << row.host << ": " << checked.error().message;
    EXPECT_EQ(checked.error().field, kField) << row.host;
    EXPECT_NE(checked.error().message.find(row.reason), std::string::npos)
        << row.host << ": " << checked.error().message;
    if (row.code == ErrorCode::io_error) {
      EXPECT_NE(checked.error().message.find(":323: refused: "), std::string::npos)
          << checked.error().message;
    }
    EXPECT_LE(resolver.calls() - calls_before, 1) << row.host << ": resolved once at most";
  }
}

TEST_F(EndpointGuardTest, ARefusalNamesTheSettingThatAllowsIt) {
  auto loopback = check_endpoint("127.0.0.1", 43, "sources.irr.irrd", defaults(), resolver);
  ASSERT_FALSE(loopback);
  EXPECT_EQ(loopback.error().message,
            "127.0.0.1:43: refused: 127.0.0.1 is not globally reachable (Loopback, RFC 1122 "
            "section 3.2.1.3); to allow it, set [outbound] allow_loopback = true (tests and local "
            "development only)");
  auto internal = check_endpoint("internal.test", 43, "sources.irr.irrd", defaults(), resolver);
  ASSERT_FALSE(internal);
  EXPECT_EQ(internal.error().message,
            "internal.test:43: refused: 10.1.1.1 is not globally reachable (Private-Use, RFC "
            "1918); to allow it, add 10.1.1.1/32 (or its network) to [outbound] allowed_prefixes");
  auto v6 = check_endpoint("fd00::1", 323, kField, defaults(), resolver);
  ASSERT_FALSE(v6);
  EXPECT_NE(v6.error().message.find("[fd00::1]:323: refused: "), std::string::npos);
  EXPECT_NE(v6.error().message.find("add fd00::1/128 (or its network)"), std::string::npos);
}

TEST_F(EndpointGuardTest, PortZeroIsInvalid) {
  auto checked = check_endpoint("rtr.test", 0, kField, defaults(), resolver);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(checked.error().field, kField);
  EXPECT_EQ(resolver.calls(), 0);
}

struct AllowedRow {
  const char* host;
  OutboundPolicy (*policy)();
  std::vector<std::string> addresses;
};

TEST_F(EndpointGuardTest, AllowsGlobalTargetsAndWhatThePolicyAllows) {
  const AllowedRow rows[] = {
      {"rtr.test", defaults, {"193.0.14.129", "2001:7fd::1"}},
      {"RTR.Test.", defaults, {"193.0.14.129", "2001:7fd::1"}},
      {"193.0.14.129", defaults, {"193.0.14.129"}},
      {"2001:7fd::1", defaults, {"2001:7fd::1"}},
      {"127.0.0.1", loopback_allowed, {"127.0.0.1"}},
      {"::1", loopback_allowed, {"::1"}},
      {"loop.test", loopback_allowed, {"127.0.0.1"}},
      {"10.0.0.1", private_allowed, {"10.0.0.1"}},
      {"internal.test", private_allowed, {"10.1.1.1"}},
      {"mixed.test", private_allowed, {"193.0.14.129", "10.1.1.1"}},
      {"fd00::1", private_allowed, {"fd00::1"}},
  };
  for (const AllowedRow& row : rows) {
    auto checked = check_endpoint(row.host, 43, "sources.irr.irrd", row.policy(), resolver);
    ASSERT_TRUE(checked) << row.host << ": " << checked.error().message;
    std::vector<std::string> addresses;
    for (const auto& address : checked->addresses)
      addresses.push_back(address.to_string());
    EXPECT_EQ(addresses, row.addresses) << row.host;
    EXPECT_EQ(checked->port, 43);
  }
  auto literal = check_endpoint("2001:7fd::1", 323, kField, defaults(), resolver);
  ASSERT_TRUE(literal);
  EXPECT_TRUE(literal->host_is_address);
  EXPECT_EQ(literal->display, "[2001:7fd::1]:323");
  auto name = check_endpoint("RTR.Test.", 323, kField, defaults(), resolver);
  ASSERT_TRUE(name);
  EXPECT_FALSE(name->host_is_address);
  EXPECT_EQ(name->host, "rtr.test");
  EXPECT_EQ(name->display, "rtr.test:323");
}

TEST_F(EndpointGuardTest, LiteralsAreNotResolved) {
  ASSERT_TRUE(check_endpoint("193.0.14.129", 43, kField, defaults(), resolver));
  ASSERT_FALSE(check_endpoint("10.0.0.1", 43, kField, defaults(), resolver));
  EXPECT_EQ(resolver.calls(), 0);
}

TEST(EndpointGuardRebinding, TheCheckedAnswerIsTheOneToConnectTo) {
  // First answer global, every later one private: the endpoint holds the first answer, which
  // the clients connect to without asking DNS again; the next check sees the private one.
  RebindingResolver resolver("193.0.14.129", "10.0.0.1");
  auto first = check_endpoint("rebind.test", 323, kField, OutboundPolicy{}, resolver);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(resolver.calls(), 1);
  ASSERT_EQ(first->addresses.size(), 1u);
  EXPECT_EQ(first->addresses[0].to_string(), "193.0.14.129");
  auto second = check_endpoint("rebind.test", 323, kField, OutboundPolicy{}, resolver);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io_error);
  EXPECT_NE(second.error().message.find("10.0.0.1 is not globally reachable"), std::string::npos);
  EXPECT_EQ(resolver.calls(), 2);
}

TEST(EndpointGuardSockaddr, CarriesTheCheckedAddressAndPort) {
  sockaddr_storage storage{};
  const socklen_t v4 = to_sockaddr(model::IpAddress::parse("192.0.2.7").value(), 4321, storage);
  ASSERT_EQ(v4, sizeof(sockaddr_in));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 4321);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xc0000207u);
  const socklen_t v6 = to_sockaddr(model::IpAddress::parse("2001:db8::7").value(), 43, storage);
  ASSERT_EQ(v6, sizeof(sockaddr_in6));
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
  EXPECT_EQ(sin6->sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(sin6->sin6_port), 43);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[0], 0x20);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[15], 0x07);
}

}  // namespace
}  // namespace peerapi::net
