// [router] (issue 6): the daemon peerapi drives, its paths, poll interval and TimeWindow.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "config/minimal_config.hpp"

namespace peerapi::config {
namespace {

using testing::kMinimal;

ConfigResult parse_router(std::string_view section) {
  return parse_config(std::string(kMinimal) + "[router]\n" + std::string(section));
}

TEST(RouterConfig, AbsentSectionLeavesTheRouterAlone) {
  auto config = parse_config(kMinimal);
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_FALSE(config->router.enabled);
}

TEST(RouterConfig, EveryKeyParsesAndDefaultsAreDocumented) {
  auto config = parse_router(R"(daemon = "bird"
config_dir = "/etc/bird/peerapi"
)");
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const RouterSection& r = config->router;
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(r.daemon, render::Daemon::bird);
  EXPECT_FALSE(r.version.has_value());
  EXPECT_EQ(r.config_dir, "/etc/bird/peerapi");
  EXPECT_EQ(r.name, "default");
  EXPECT_EQ(r.poll_interval_ms, 5'000);
  EXPECT_EQ(r.command_timeout_ms, 60'000);
  EXPECT_EQ(r.time_window_seconds, 86'400);

  config = parse_router(R"(daemon = "frr"
version = "10.1"
config_dir = "/etc/frr"
control_socket = "/run/frr"
control_program = "/usr/bin/vtysh"
check_program = "/usr/lib/frr/bgpd"
base_config = "/etc/frr/base.conf"
name = "edge-1"
poll_interval_ms = 1000
command_timeout_ms = 5000
time_window_seconds = 60
)");
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_EQ(config->router.daemon, render::Daemon::frr);
  EXPECT_EQ(config->router.version->to_string(), "10.1.0");
  EXPECT_EQ(config->router.control_socket, "/run/frr");
  EXPECT_EQ(config->router.base_config, "/etc/frr/base.conf");
  EXPECT_EQ(config->router.name, "edge-1");
  EXPECT_EQ(config->router.poll_interval_ms, 1000);
  EXPECT_EQ(config->router.time_window_seconds, 60);
}

struct BadRouterKey {
  const char* section;
  const char* field;
};

class BadRouterConfig : public ::testing::TestWithParam<BadRouterKey> {};

TEST_P(BadRouterConfig, IsNamed) {
  auto config = parse_router(GetParam().section);
  ASSERT_FALSE(config.has_value());
  bool named = false;
  for (const Error& e : config.error())
    named = named || e.field == GetParam().field;
  EXPECT_TRUE(named) << describe(config.error());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadRouterConfig,
    ::testing::Values(
        BadRouterKey{"config_dir = \"/x\"\n", "router.daemon"},
        BadRouterKey{"daemon = \"gobgp\"\nconfig_dir = \"/x\"\n", "router.daemon"},
        BadRouterKey{"daemon = \"bird\"\n", "router.config_dir"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"\"\n", "router.config_dir"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\nversion = \"two\"\n",
                     "router.version"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\nbase_config = \"/b\"\n",
                     "router.base_config"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\nname = \"two words\"\n",
                     "router.name"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\npoll_interval_ms = 10\n",
                     "router.poll_interval_ms"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\ntime_window_seconds = 0\n",
                     "router.time_window_seconds"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\ncommand_timeout_ms = 1\n",
                     "router.command_timeout_ms"},
        BadRouterKey{"daemon = \"bird\"\nconfig_dir = \"/x\"\nsocket = \"/s\"\n",
                     "router.socket"}));

}  // namespace
}  // namespace peerapi::config
