// parse_show_neighbor on `bgpctl show neighbor` output captured from OpenBGPD 7.7
// (tests/router/openbgpd/data/, made by data/capture/capture.sh), and on broken and odd answers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "router/openbgpd/bgpctl_state.hpp"
#include "support/test_support.hpp"

namespace peerapi::router::openbgpd {
namespace {

std::string data(const std::string& name) {
  return testing::read_file(testing::source_dir() / "tests" / "router" / "openbgpd" / "data" /
                            name);
}

std::vector<BgpctlNeighborState> parsed(const std::string& text) {
  auto result = parse_show_neighbor(text);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
  return result ? *result : std::vector<BgpctlNeighborState>{};
}

BgpctlNeighborState only(const std::string& file) {
  const auto neighbors = parsed(data(file));
  EXPECT_EQ(neighbors.size(), 1U) << file;
  return neighbors.empty() ? BgpctlNeighborState{} : neighbors.front();
}

TEST(BgpctlState, EstablishedNeighborHasUptimeAndReceivedCount) {
  const BgpctlNeighborState neighbor = only("established.txt");
  EXPECT_EQ(neighbor.address, "192.0.2.11");
  EXPECT_EQ(neighbor.description, "Example Access @ Example IX");
  EXPECT_EQ(neighbor.session.state, BgpState::established);
  EXPECT_EQ(neighbor.session.seconds_in_state, 7);
  EXPECT_EQ(neighbor.session.prefixes_received, 3U);
  EXPECT_FALSE(neighbor.session.prefixes_accepted.has_value());
  EXPECT_EQ(neighbor.session.last_error, "");
}

TEST(BgpctlState, MarkedDownIsDisabled) {
  const BgpctlNeighborState neighbor = only("admin_down.txt");
  EXPECT_EQ(neighbor.session.state, BgpState::disabled);
  EXPECT_EQ(neighbor.session.seconds_in_state, 1);
  EXPECT_EQ(neighbor.session.last_error, "Last error sent: Cease, administratively down");
  EXPECT_EQ(neighbor.session.prefixes_received, 0U);
}

TEST(BgpctlState, MaxPrefixCeaseKeepsItDisabled) {
  const BgpctlNeighborState neighbor = only("max_prefix.txt");
  EXPECT_EQ(neighbor.session.state, BgpState::disabled);
  EXPECT_EQ(neighbor.session.seconds_in_state, 1);
  EXPECT_EQ(neighbor.session.last_error, "Last error sent: Cease, received max-prefix exceeded");
}

TEST(BgpctlState, RoleMismatchIsTheLastError) {
  const BgpctlNeighborState neighbor = only("role_mismatch.txt");
  EXPECT_EQ(neighbor.session.state, BgpState::idle);
  EXPECT_EQ(neighbor.session.seconds_in_state, 9);
  EXPECT_EQ(neighbor.session.last_error, "Last error sent: error in OPEN message, role mismatch");
}

TEST(BgpctlState, WrongMd5SecretShowsNoErrorOnlyNoSession) {
  const BgpctlNeighborState neighbor = only("md5_wrong.txt");
  EXPECT_EQ(neighbor.session.state, BgpState::connect);
  EXPECT_EQ(neighbor.session.last_error, "");
  EXPECT_FALSE(neighbor.session.seconds_in_state.has_value());
}

TEST(BgpctlState, SeveralNeighborsOfBothFamilies) {
  const auto neighbors = parsed(data("several.txt"));
  ASSERT_EQ(neighbors.size(), 4U);
  EXPECT_EQ(neighbors[0].address, "192.0.2.11");
  EXPECT_EQ(neighbors[0].session.state, BgpState::established);
  EXPECT_EQ(neighbors[0].session.prefixes_received, 3U);
  EXPECT_EQ(neighbors[0].session.seconds_in_state, 3);
  EXPECT_EQ(neighbors[1].address, "2001:db8:ffff::11");
  EXPECT_EQ(neighbors[1].description, "Example Access v6");
  EXPECT_EQ(neighbors[1].session.state, BgpState::established);
  EXPECT_EQ(neighbors[1].session.seconds_in_state, 16);
  EXPECT_EQ(neighbors[1].session.prefixes_received, 3U);
  EXPECT_EQ(neighbors[2].address, "192.0.2.12");
  EXPECT_EQ(neighbors[2].session.state, BgpState::active);
  EXPECT_FALSE(neighbors[2].session.seconds_in_state.has_value());
  EXPECT_EQ(neighbors[3].address, "192.0.2.13");
  EXPECT_EQ(neighbors[3].description, "Held down");
  EXPECT_EQ(neighbors[3].session.state, BgpState::disabled);
}

TEST(BgpctlState, NoNeighborsAtAll) {
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed("no such neighbor\n").empty());
  EXPECT_TRUE(parsed("\n\n").empty());
}

TEST(BgpctlState, LongUptimesOlderErrorLinesAndShutdownCommunications) {
  const auto neighbors = parsed(
      "BGP neighbor is 192.0.2.21, remote AS 64501\n"
      "  BGP state = Established, up for 2d03h04m\n"
      "  Last error sent: Cease, administratively reset\n"
      "BGP neighbor is 192.0.2.22, remote AS 64502, Passive\n"
      "  BGP state = Active, down for 01w2d03h\n"
      "  Last received shutdown reason: \"moving racks, down for 00:00:05\"\n"
      "  Last error received: Cease, administratively down\n"
      "BGP neighbor is 192.0.2.23, remote AS 64503\n"
      "  BGP state = Idle, marked down with shutdown reason \"x, up for 00:00:09\", down for "
      "00:01:02\n"
      "  Last error: Cease, received max-prefix exceeded\n"
      "BGP neighbor is 192.0.2.24, remote AS 64504\n"
      "  BGP state = OpenSent, down for 99:99:99\n"
      "BGP neighbor is 192.0.2.25, remote AS 64505\n"
      "  BGP state = None\n"
      "BGP neighbor is 192.0.2.0/24, remote AS: accept any, Template\n"
      "  BGP state = OpenConfirm, down for 1x\n");
  ASSERT_EQ(neighbors.size(), 6U);
  EXPECT_EQ(neighbors[0].session.seconds_in_state, 2 * 86'400 + 3 * 3600 + 4 * 60);
  EXPECT_EQ(neighbors[0].session.last_error, "") << "no error while established";
  EXPECT_EQ(neighbors[1].session.seconds_in_state, 9 * 86'400 + 3 * 3600);
  EXPECT_EQ(neighbors[1].session.last_error,
            "Last received shutdown reason: \"moving racks, down for 00:00:05\"; "
            "Last error received: Cease, administratively down");
  EXPECT_EQ(neighbors[2].session.state, BgpState::disabled);
  EXPECT_EQ(neighbors[2].session.seconds_in_state, 62);
  EXPECT_EQ(neighbors[3].session.state, BgpState::open_sent);
  EXPECT_FALSE(neighbors[3].session.seconds_in_state.has_value());
  EXPECT_EQ(neighbors[4].session.state, BgpState::idle);
  EXPECT_EQ(neighbors[5].address, "192.0.2.0/24");
  EXPECT_EQ(neighbors[5].session.state, BgpState::open_confirm);
  EXPECT_FALSE(neighbors[5].session.seconds_in_state.has_value());
}

struct BadAnswer {
  const char* name;
  std::string text;
  const char* message_part;
};

TEST(BgpctlState, BrokenAnswersAreDataInvalidAtRouterState) {
  const std::string whole = data("several.txt");
  const std::vector<BadAnswer> rows = {
      {"garbage", "bgpctl: unknown command\n", "holds no neighbor"},
      {"truncated before the state", whole.substr(0, whole.find("BGP state")),
       "no \"BGP state =\" line for neighbor 192.0.2.11"},
      {"state of another daemon", "BGP neighbor is 192.0.2.1, remote AS 1\n  BGP state = Up\n",
       "unknown BGP state \"Up\""},
      {"empty state", "BGP neighbor is 192.0.2.1, remote AS 1\n  BGP state =\n",
       "unknown BGP state \"\""},
  };
  for (const auto& row : rows) {
    const auto result = parse_show_neighbor(row.text);
    ASSERT_FALSE(result.has_value()) << row.name;
    EXPECT_EQ(result.error().code, ErrorCode::data_invalid) << row.name;
    EXPECT_EQ(result.error().field, "router.state") << row.name;
    EXPECT_NE(result.error().message.find(row.message_part), std::string::npos)
        << row.name << ": " << result.error().message;
  }
}

TEST(BgpctlState, TruncatedInsideABlockKeepsWhatWasRead) {
  const std::string whole = data("established.txt");
  const auto neighbors = parsed(whole.substr(0, whole.find("Update statistics")));
  ASSERT_EQ(neighbors.size(), 1U);
  EXPECT_EQ(neighbors[0].session.state, BgpState::established);
  EXPECT_FALSE(neighbors[0].session.prefixes_received.has_value());
}

TEST(BgpctlState, OutputMessagesHideSecrets) {
  EXPECT_EQ(output_message("/etc/bgpd.conf:12: syntax error\n\n"
                           "  tcp md5sig password \"s3cret\" is bad\nconfiguration OK\n"),
            "/etc/bgpd.conf:12: syntax error; tcp md5sig password <secret> is bad; "
            "configuration OK");
}

}  // namespace
}  // namespace peerapi::router::openbgpd
