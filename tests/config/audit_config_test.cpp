// [audit]: the retention default, its range, and bad values named by key path.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "config/minimal_config.hpp"

namespace peerapi::config {
namespace {

using testing::kMinimal;

TEST(AuditConfig, RetentionDefaultsToAYearAndZeroKeepsEverything) {
  auto defaults = parse_config(kMinimal);
  ASSERT_TRUE(defaults.has_value()) << describe(defaults.error());
  EXPECT_EQ(defaults->audit.retention_days, 365);
  auto forever = parse_config(std::string(kMinimal) + "[audit]\nretention_days = 0\n");
  ASSERT_TRUE(forever.has_value()) << describe(forever.error());
  EXPECT_EQ(forever->audit.retention_days, 0);
  auto month = parse_config(std::string(kMinimal) + "[audit]\nretention_days = 30\n");
  ASSERT_TRUE(month.has_value()) << describe(month.error());
  EXPECT_EQ(month->audit.retention_days, 30);
}

TEST(AuditConfig, BadValuesAreNamed) {
  struct Row {
    std::string text, path, fragment;
  };
  const Row rows[] = {
      {"retention_days = -1\n", "audit.retention_days", "between"},
      {"retention_days = 36501\n", "audit.retention_days", "between"},
      {"retention_days = \"30d\"\n", "audit.retention_days", "integer"},
      {"retention_days = 1.5\n", "audit.retention_days", "integer"},
      {"retention = 30\n", "audit.retention", "unknown key"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    auto config = parse_config(std::string(kMinimal) + "[audit]\n" + row.text, "peerapi.toml");
    ASSERT_FALSE(config.has_value());
    ASSERT_EQ(config.error().size(), 1u) << describe(config.error());
    const Error& e = config.error().front();
    EXPECT_EQ(e.code, ErrorCode::config_invalid);
    EXPECT_EQ(e.field, row.path);
    EXPECT_NE(e.message.find(row.fragment), std::string::npos) << e.message;
  }
}

}  // namespace
}  // namespace peerapi::config
