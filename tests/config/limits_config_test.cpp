// [limits]: defaults, every key parsed, and every bad value named by its key path and line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/minimal_config.hpp"

namespace peerapi::config {
namespace {

using testing::kMinimal;

std::vector<std::string> texts(const std::vector<model::Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& p : prefixes)
    out.push_back(p.to_string());
  return out;
}

TEST(LimitsConfig, DefaultsAreOn) {
  auto config = parse_config(kMinimal);
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const LimitsSection& limits = config->limits;
  EXPECT_EQ(limits.per_address_rate, 50.0);
  EXPECT_EQ(limits.per_address_burst, 200);
  EXPECT_EQ(limits.per_asn_rate, 20.0);
  EXPECT_EQ(limits.per_asn_burst, 100);
  EXPECT_EQ(limits.max_pending_per_requester, 100);
  EXPECT_EQ(limits.max_tracked_keys, 100'000);
  EXPECT_TRUE(limits.trusted_proxies.empty());
  EXPECT_TRUE(limits.allowed_senders.api.empty());
  EXPECT_TRUE(limits.allowed_senders.registration.empty());
  EXPECT_TRUE(limits.allowed_senders.health.empty());
  EXPECT_EQ(texts(limits.allowed_senders.metrics),
            (std::vector<std::string>{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
                                      "192.168.0.0/16", "fc00::/7"}));
}

TEST(LimitsConfig, EveryKeyParses) {
  auto config = parse_config(std::string(kMinimal) + R"(
[limits]
per_address_rate = 5
per_address_burst = 10
per_asn_rate = 0.5
per_asn_burst = 3
max_pending_per_requester = 0
max_tracked_keys = 1000
trusted_proxies = ["10.0.0.0/8", "2001:db8:ff::/48"]
[limits.allowed_senders]
api = ["192.0.2.0/24"]
registration = ["198.51.100.0/24"]
health = ["203.0.113.0/24"]
metrics = []
)");
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const LimitsSection& limits = config->limits;
  EXPECT_EQ(limits.per_address_rate, 5.0);
  EXPECT_EQ(limits.per_address_burst, 10);
  EXPECT_EQ(limits.per_asn_rate, 0.5);
  EXPECT_EQ(limits.per_asn_burst, 3);
  EXPECT_EQ(limits.max_pending_per_requester, 0);
  EXPECT_EQ(limits.max_tracked_keys, 1000);
  EXPECT_EQ(texts(limits.trusted_proxies),
            (std::vector<std::string>{"10.0.0.0/8", "2001:db8:ff::/48"}));
  EXPECT_EQ(texts(limits.allowed_senders.api), std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(texts(limits.allowed_senders.registration),
            std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(texts(limits.allowed_senders.health), std::vector<std::string>{"203.0.113.0/24"});
  EXPECT_TRUE(limits.allowed_senders.metrics.empty()) << "an empty list allows everyone";
}

TEST(LimitsConfig, RateZeroTurnsABucketOffWithoutABurst) {
  auto config =
      parse_config(std::string(kMinimal) + "[limits]\nper_asn_rate = 0\nper_asn_burst = 0\n");
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_EQ(config->limits.per_asn_rate, 0.0);
}

struct Row {
  std::string limits;  // the body of [limits] (and its sub-tables)
  std::string path;
  std::string fragment;
};

class BadLimits : public ::testing::TestWithParam<Row> {};

TEST_P(BadLimits, NamesTheKeyAndLine) {
  const Row& row = GetParam();
  auto config = parse_config(std::string(kMinimal) + "[limits]\n" + row.limits, "peerapi.toml");
  ASSERT_FALSE(config.has_value()) << row.limits;
  ASSERT_EQ(config.error().size(), 1u) << describe(config.error());
  const Error& e = config.error()[0];
  EXPECT_EQ(e.code, ErrorCode::config_invalid);
  EXPECT_EQ(e.field, row.path) << row.limits;
  EXPECT_NE(e.message.find(row.fragment), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("peerapi.toml:"), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadLimits,
    ::testing::Values(
        Row{"per_address_rate = -1.0\n", "limits.per_address_rate", "requests per second"},
        Row{"per_asn_rate = -5\n", "limits.per_asn_rate", "requests per second"},
        Row{"per_asn_rate = \"20\"\n", "limits.per_asn_rate", "requests per second"},
        Row{"per_address_rate = nan\n", "limits.per_address_rate", "requests per second"},
        Row{"per_address_rate = inf\n", "limits.per_address_rate", "requests per second"},
        Row{"per_address_burst = 0\n", "limits.per_address_burst", "at least 1"},
        Row{"per_asn_rate = 2.0\nper_asn_burst = 0\n", "limits.per_asn_burst", "at least 1"},
        Row{"per_asn_burst = -1\n", "limits.per_asn_burst", "between"},
        Row{"per_address_burst = 2.5\n", "limits.per_address_burst", "integer"},
        Row{"max_pending_per_requester = -1\n", "limits.max_pending_per_requester", "between"},
        Row{"max_tracked_keys = 0\n", "limits.max_tracked_keys", "between"},
        Row{"trusted_proxies = [\"10.0.0.0/33\"]\n", "limits.trusted_proxies[0]", "CIDR"},
        Row{"trusted_proxies = [\"10.0.0.0/8\", \"10.0.0.1/8\"]\n", "limits.trusted_proxies[1]",
            "host bits"},
        Row{"trusted_proxies = \"10.0.0.0/8\"\n", "limits.trusted_proxies", "list"},
        Row{"trusted_proxies = [\"proxy.example.net\"]\n", "limits.trusted_proxies[0]", "CIDR"},
        Row{"[limits.allowed_senders]\napi = [\"192.0.2.0/24\", \"2001:db8::/129\"]\n",
            "limits.allowed_senders.api[1]", "CIDR"},
        Row{"[limits.allowed_senders]\nmetrics = [7]\n", "limits.allowed_senders.metrics[0]",
            "string"},
        Row{"[limits.allowed_senders]\nadmin = []\n", "limits.allowed_senders.admin",
            "unknown key"},
        Row{"allowed_senders = [\"192.0.2.0/24\"]\n", "limits.allowed_senders", "table"},
        Row{"per_address_rat = 1.0\n", "limits.per_address_rat", "unknown key"}));

}  // namespace
}  // namespace peerapi::config
