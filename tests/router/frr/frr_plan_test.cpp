// plan_change: the vtysh input that turns a bgpd running one candidate into one running the
// next. Exact texts here; FrrDriverLab.RunningConfigFollowsEveryGoldenCase checks against a
// live bgpd that the result is what bgpd runs when started from the candidate.
#include <gtest/gtest.h>

#include <string>

#include "router/frr/frr_driver.hpp"

namespace peerapi::router::frr {
namespace {

const std::string kSession = R"(frr version 8.4.4
frr defaults traditional
ip prefix-list PEERAPI-OWN-V4 seq 5 permit 198.51.100.0/24 le 32
rpki
 rpki cache 127.0.0.1 3323 preference 1
exit
router bgp 64500
 bgp router-id 192.0.2.1
 no bgp default ipv4-unicast
exit
!
! a comment
route-map as64501_x-in deny 10
 match ip address prefix-list PEERAPI-OWN-V4
exit
route-map as64501_x-in permit 20
 set local-preference 100
exit
router bgp 64500
 neighbor 192.0.2.11 remote-as 64501
 neighbor 192.0.2.11 description Example Access
 neighbor 192.0.2.11 password s3cret
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 maximum-prefix 50 90 restart 15
  neighbor 192.0.2.11 route-map as64501_x-in in
 exit-address-family
exit
)";

const std::string kNoSession = R"(frr version 8.4.4
frr defaults traditional
router bgp 64500
 bgp router-id 192.0.2.1
 no bgp default ipv4-unicast
exit
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

TEST(FrrPlan, SameCandidateChangesNothingUnlessFull) {
  const FrrConfigChange same = plan_change(kSession, kSession, false);
  EXPECT_EQ(same.removals, "");
  EXPECT_EQ(same.additions, "");
  const FrrConfigChange full = plan_change(kSession, kSession, true);
  EXPECT_EQ(full.removals, "");
  EXPECT_NE(
      full.additions.find("route-map as64501_x-in permit 20\n set local-preference 100\nexit\n"),
      std::string::npos)
      << full.additions;
  EXPECT_NE(full.additions.find("frr defaults traditional\n"), std::string::npos);
}

TEST(FrrPlan, RemovedSessionGoesWithNoNeighborAndNoRouteMapClauses) {
  const FrrConfigChange change = plan_change(kSession, kNoSession, false);
  EXPECT_EQ(change.removals,
            "router bgp 64500\n"
            " no neighbor 192.0.2.11\n"
            "exit\n"
            "no ip prefix-list PEERAPI-OWN-V4 seq 5 permit 198.51.100.0/24 le 32\n"
            "rpki\n"
            " no rpki cache 127.0.0.1 3323 preference 1\n"
            "exit\n"
            "no route-map as64501_x-in deny 10\n"
            "no route-map as64501_x-in permit 20\n");
  EXPECT_EQ(change.additions, "");
}

TEST(FrrPlan, ChangedLineIsRemovedInItsContextThenAdded) {
  const std::string next = replaced(kSession, "maximum-prefix 50 90", "maximum-prefix 60 90");
  const FrrConfigChange change = plan_change(kSession, next, false);
  EXPECT_EQ(change.removals,
            "router bgp 64500\n"
            " address-family ipv4 unicast\n"
            "  no neighbor 192.0.2.11 maximum-prefix 50 90 restart 15\n"
            " exit-address-family\n"
            "exit\n");
  EXPECT_EQ(change.additions,
            "router bgp 64500\n"
            " address-family ipv4 unicast\n"
            "  neighbor 192.0.2.11 maximum-prefix 60 90 restart 15\n"
            " exit-address-family\n"
            "exit\n");
}

TEST(FrrPlan, RemovedNoLineIsRemovedByThePositiveLine) {
  const std::string next = replaced(kSession, " no bgp default ipv4-unicast\n", "");
  const FrrConfigChange change = plan_change(kSession, next, false);
  EXPECT_EQ(change.removals, "router bgp 64500\n bgp default ipv4-unicast\nexit\n");
  EXPECT_EQ(change.additions, "");
}

TEST(FrrPlan, RemoteAsChangeRecreatesTheWholeNeighbor) {
  const std::string next = replaced(kSession, "remote-as 64501", "remote-as 64502");
  const FrrConfigChange change = plan_change(kSession, next, false);
  EXPECT_EQ(change.removals, "router bgp 64500\n no neighbor 192.0.2.11\nexit\n");
  EXPECT_EQ(change.additions,
            "router bgp 64500\n"
            " neighbor 192.0.2.11 remote-as 64502\n"
            " neighbor 192.0.2.11 description Example Access\n"
            " neighbor 192.0.2.11 password s3cret\n"
            "exit\n"
            "router bgp 64500\n"
            " address-family ipv4 unicast\n"
            "  neighbor 192.0.2.11 activate\n"
            "  neighbor 192.0.2.11 maximum-prefix 50 90 restart 15\n"
            "  neighbor 192.0.2.11 route-map as64501_x-in in\n"
            " exit-address-family\n"
            "exit\n");
}

TEST(FrrPlan, NewEmptyContextIsCreatedAndChangedClauseKeepsItsHeader) {
  const std::string next = replaced(
      kSession,
      "route-map as64501_x-in deny 10\n match ip address prefix-list PEERAPI-OWN-V4\nexit\n",
      "route-map as64501_x-in deny 5\nexit\nroute-map as64501_x-in deny 10\n match rpki "
      "invalid\nexit\n");
  const FrrConfigChange change = plan_change(kSession, next, false);
  EXPECT_EQ(change.removals,
            "route-map as64501_x-in deny 10\n"
            " no match ip address prefix-list PEERAPI-OWN-V4\n"
            "exit\n");
  EXPECT_EQ(change.additions,
            "route-map as64501_x-in deny 5\n"
            "exit\n"
            "route-map as64501_x-in deny 10\n"
            " match rpki invalid\n"
            "exit\n");
}

TEST(FrrPlan, FileLinesAreNeverRemovedAndRepeatedContextsMerge) {
  const std::string before =
      "frr version 8.4.4\nfrr defaults traditional\nrouter bgp 64500\n"
      " bgp router-id 192.0.2.1\nexit\nrouter bgp 64500\n"
      " neighbor 192.0.2.11 remote-as 64501\nexit\n";
  const std::string after =
      "frr version 9.1\nrouter bgp 64500\n bgp router-id 192.0.2.1\n"
      " neighbor 192.0.2.11 remote-as 64501\nexit\nend\n";
  const FrrConfigChange change = plan_change(before, after, false);
  EXPECT_EQ(change.removals, "");
  EXPECT_EQ(change.additions, "frr version 9.1\n");
}

TEST(FrrPlan, ContextsEndAtTheNextLineNotIndentedDeeper) {
  // An operator's base without exit lines, in canonical indentation.
  const std::string before =
      "route-map OPERATOR permit 10\n set local-preference 200\n"
      "ip prefix-list P seq 5 permit 10.0.0.0/8\n";
  const std::string after = "ip prefix-list P seq 5 permit 10.0.0.0/8\n";
  const FrrConfigChange change = plan_change(before, after, false);
  EXPECT_EQ(change.removals, "no route-map OPERATOR permit 10\n");
  EXPECT_EQ(change.additions, "");
}

TEST(FrrPlan, RemovedRouterBlockGoesAsAWhole) {
  const FrrConfigChange change =
      plan_change("router bgp 64500\n neighbor 192.0.2.11 remote-as 64501\nexit\n",
                  "router bgp 64501\n bgp router-id 192.0.2.1\nexit\n", false);
  EXPECT_EQ(change.removals, "no router bgp 64500\n");
  EXPECT_EQ(change.additions, "router bgp 64501\n bgp router-id 192.0.2.1\nexit\n");
}

}  // namespace
}  // namespace peerapi::router::frr
