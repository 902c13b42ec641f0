// parse_show_bgp_neighbors on `vtysh -c "show bgp neighbors json"` output captured from FRR 8.4.4
// (tests/router/frr/data/, made by data/capture/capture.sh), and on broken and odd answers.
#include <gtest/gtest.h>

#include <string>

#include "router/frr/frr_state.hpp"
#include "support/test_support.hpp"

namespace peerapi::router::frr {
namespace {

using testing::read_file;

std::string data(const std::string& name) {
  return read_file(testing::source_dir() / "tests" / "router" / "frr" / "data" / name);
}

std::map<std::string, FrrNeighborState, std::less<>> parsed(const std::string& text) {
  auto result = parse_show_bgp_neighbors(text);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
  return result ? *result : std::map<std::string, FrrNeighborState, std::less<>>{};
}

const SessionState& only(const std::map<std::string, FrrNeighborState, std::less<>>& neighbors,
                         const std::string& address) {
  static const SessionState kMissing;
  const auto found = neighbors.find(address);
  EXPECT_NE(found, neighbors.end()) << "no neighbor " << address;
  return found == neighbors.end() ? kMissing : found->second.session;
}

TEST(FrrState, EstablishedNeighborHasUptimeAndAcceptedCount) {
  const auto neighbors = parsed(data("established_v4.json"));
  ASSERT_EQ(neighbors.size(), 1U);
  const SessionState& state = only(neighbors, "192.0.2.11");
  EXPECT_EQ(state.state, BgpState::established);
  EXPECT_EQ(state.seconds_in_state, 6);  // bgpTimerUpMsec 6000
  EXPECT_EQ(state.prefixes_accepted, 1U);
  EXPECT_FALSE(state.prefixes_received.has_value());
  // lastResetDueTo is "No AFI/SAFI activated for peer", and the session is up anyway.
  EXPECT_EQ(state.last_error, "");
  EXPECT_EQ(neighbors.at("192.0.2.11").description,
            "Example Access (AS64501) at Example IX (pdb:ix:1)");
}

TEST(FrrState, AdminShutdownIsDisabled) {
  const SessionState state = only(parsed(data("admin_shutdown.json")), "192.0.2.11");
  EXPECT_EQ(state.state, BgpState::disabled);
  EXPECT_EQ(state.seconds_in_state, 1);  // lastResetTimerMsecs 1000
  EXPECT_EQ(state.last_error, "Admin. shutdown");
  EXPECT_EQ(state.prefixes_accepted, 0U);
}

TEST(FrrState, MaximumPrefixOverflowIsDisabledWithTheCease) {
  const SessionState state = only(parsed(data("max_prefix.json")), "192.0.2.11");
  EXPECT_EQ(state.state, BgpState::disabled);
  EXPECT_EQ(state.last_error, "BGP Notification send: Cease/Maximum Number of Prefixes Reached");
  EXPECT_EQ(state.seconds_in_state, 1);
}

TEST(FrrState, RoleMismatchIsTheLastError) {
  const SessionState state = only(parsed(data("role_mismatch.json")), "192.0.2.11");
  EXPECT_EQ(state.state, BgpState::idle);
  EXPECT_EQ(state.seconds_in_state, 2);
  EXPECT_EQ(state.last_error, "BGP Notification send: OPEN Message Error/Role Mismatch");
}

TEST(FrrState, WrongMd5SecretShowsNoErrorOnlyNoSession) {
  const SessionState state = only(parsed(data("md5_wrong.json")), "192.0.2.11");
  EXPECT_EQ(state.state, BgpState::connect);
  EXPECT_EQ(state.last_error, "");
  EXPECT_EQ(state.seconds_in_state, 10);
}

TEST(FrrState, SeveralNeighborsOfBothFamilies) {
  const auto neighbors = parsed(data("several.json"));
  ASSERT_EQ(neighbors.size(), 4U);
  EXPECT_EQ(only(neighbors, "192.0.2.11").state, BgpState::established);
  EXPECT_EQ(only(neighbors, "192.0.2.11").prefixes_accepted, 2U);
  EXPECT_EQ(only(neighbors, "192.0.2.11").seconds_in_state, 4);
  EXPECT_EQ(only(neighbors, "192.0.2.12").state, BgpState::active);
  EXPECT_EQ(only(neighbors, "192.0.2.12").last_error, "");
  EXPECT_EQ(only(neighbors, "192.0.2.13").state, BgpState::disabled);
  EXPECT_EQ(only(neighbors, "2001:db8:ffff::11").state, BgpState::established);
  EXPECT_EQ(only(neighbors, "2001:db8:ffff::11").seconds_in_state, 4);
  EXPECT_EQ(only(neighbors, "192.0.2.13").seconds_in_state, 5);
  EXPECT_EQ(neighbors.at("2001:db8:ffff::11").description, "Example Access v6");
  EXPECT_EQ(neighbors.at("192.0.2.12").description, "");
}

TEST(FrrState, NoticesBeforeTheJsonAreSkipped) {
  const std::string text =
      "% Can't open configuration file /etc/frr/vtysh.conf due to 'Permission denied'.\n" +
      data("established_v4.json");
  EXPECT_EQ(only(parsed(text), "192.0.2.11").state, BgpState::established);
}

TEST(FrrState, EmptyAndNoSuchNeighborAnswersHaveNoNeighbors) {
  EXPECT_TRUE(parsed("{}").empty());
  EXPECT_TRUE(parsed("{\n}\n").empty());
  EXPECT_TRUE(parsed("{\n  \"bgpNoSuchNeighbor\":true\n}\n").empty());
  EXPECT_TRUE(parsed("{\"warning\": \"No such neighbor or address family\"}").empty());
}

TEST(FrrState, StateMarkersAndOddNumbers) {
  const auto neighbors = parsed(R"json({
    "192.0.2.1": {"bgpState": "Idle (Admin)"},
    "192.0.2.2": {"bgpState": "Idle (PfxCt)", "lastResetTimerMsecs": -5},
    "192.0.2.3": {"bgpState": "Established", "bgpTimerUpMsec": 6.1609e+07,
                  "addressFamilyInfo": {"ipv4Unicast": {"acceptedPrefixCounter": 2.0},
                                        "ipv6Unicast": {"acceptedPrefixCounter": 3},
                                        "odd": 7}},
    "192.0.2.4": {"bgpState": "Clearing", "lastResetDueTo": "Peer closed the session",
                  "lastShutdownDescription": "moving racks"},
    "192.0.2.5": {"bgpState": "Established", "lastResetDueTo": "BGP Notification received",
                  "lastNotificationReason": "Cease/Administrative Reset"},
    "192.0.2.6": {"bgpState": "OpenConfirm", "bgpTimerUpMsec": "soon"},
    "192.0.2.7": {"bgpState": "OpenSent", "lastResetTimerMsecs": 1e300}
  })json");
  ASSERT_EQ(neighbors.size(), 7U);
  EXPECT_EQ(only(neighbors, "192.0.2.1").state, BgpState::disabled);
  EXPECT_FALSE(only(neighbors, "192.0.2.1").seconds_in_state.has_value());
  EXPECT_EQ(only(neighbors, "192.0.2.2").state, BgpState::disabled);
  EXPECT_FALSE(only(neighbors, "192.0.2.2").seconds_in_state.has_value());
  EXPECT_EQ(only(neighbors, "192.0.2.3").seconds_in_state, 61609);
  EXPECT_EQ(only(neighbors, "192.0.2.3").prefixes_accepted, 5U);
  EXPECT_EQ(only(neighbors, "192.0.2.4").state, BgpState::idle);
  EXPECT_EQ(only(neighbors, "192.0.2.4").last_error, "Peer closed the session \"moving racks\"");
  EXPECT_EQ(only(neighbors, "192.0.2.5").last_error, "") << "no error while established";
  EXPECT_EQ(only(neighbors, "192.0.2.6").state, BgpState::open_confirm);
  EXPECT_FALSE(only(neighbors, "192.0.2.6").prefixes_accepted.has_value());
  EXPECT_EQ(only(neighbors, "192.0.2.7").state, BgpState::open_sent);
  EXPECT_FALSE(only(neighbors, "192.0.2.7").seconds_in_state.has_value());
}

struct BadAnswer {
  const char* name;
  std::string text;
  const char* message_part;
};

TEST(FrrState, BrokenAnswersAreDataInvalidAtRouterState) {
  const std::string whole = data("several.json");
  const std::vector<BadAnswer> rows = {
      {"empty", "", "no JSON object"},
      {"garbage", "% Unknown command: show bgp neighbours json", "no JSON object"},
      {"not an object", "[1, 2]", "no JSON object"},
      {"truncated", whole.substr(0, whole.size() / 2), "not a JSON object"},
      {"cut after the first brace", "{\n  \"192.0.2.11\":{", "JSON object"},
      {"no state", R"({"192.0.2.11": {"remoteAs": 64501}})",
       "no \"bgpState\" for neighbor 192.0.2.11"},
      {"state not a string", R"({"192.0.2.11": {"bgpState": 6}})", "no \"bgpState\""},
      {"unknown state", R"({"192.0.2.11": {"bgpState": "Dancing"}})",
       "unknown BGP state \"Dancing\""},
  };
  for (const auto& row : rows) {
    const auto result = parse_show_bgp_neighbors(row.text);
    ASSERT_FALSE(result.has_value()) << row.name;
    EXPECT_EQ(result.error().code, ErrorCode::data_invalid) << row.name;
    EXPECT_EQ(result.error().field, "router.state") << row.name;
    EXPECT_NE(result.error().message.find(row.message_part), std::string::npos)
        << row.name << ": " << result.error().message;
  }
}

TEST(FrrState, CheckMessagesDropNoiseAndHideSecrets) {
  EXPECT_EQ(
      check_message("% Can't open configuration file /etc/frr/vtysh.conf due to 'x'.\n"
                    "line 3: % Unknown command[25]:  neighbor 192.0.2.11 passwrd s3cret\n\n"
                    "line 4: % Unknown command[25]:  neighbor 192.0.2.11 password s3cret x\n"),
      "line 3: % Unknown command[25]:  neighbor 192.0.2.11 passwrd s3cret; "
      "line 4: % Unknown command[25]:  neighbor 192.0.2.11 password <secret> x");
  EXPECT_EQ(
      check_message("(2026/11/24 03:19:25:469102): RTR_MGR: rtr_mgr_start()\n"
                    "% Specify remote-as or peer-group commands first\n"
                    "2026/11/24 03:19:25 BGP: [SHWNK-NWT5S][EC 100663304] Command returned "
                    "Warning Config Failed on config line 3:   neighbor 192.0.2.99 activate\n"),
      "% Specify remote-as or peer-group commands first; Command returned Warning Config "
      "Failed on config line 3:   neighbor 192.0.2.99 activate");
  EXPECT_EQ(redact_secrets("tcp md5sig password \"s3 cret\" x\npassword\npassword   y"),
            "tcp md5sig password <secret> x\npassword\npassword   <secret>");
  EXPECT_EQ(redact_secrets("password \"unterminated"), "password <secret>");
}

}  // namespace
}  // namespace peerapi::router::frr
