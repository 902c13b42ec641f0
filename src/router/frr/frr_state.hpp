// Reading `vtysh -c "show bgp neighbors json"` (FRR 8.4): the state of every neighbor of the
// default BGP instance. Pure, so it is tested on captured output and fuzzed (the text comes from
// a daemon, not from a person).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "model/error.hpp"
#include "router/daemon_text.hpp"
#include "router/driver.hpp"

namespace peerapi::router::frr {

struct FrrNeighborState {
  SessionState session;
  std::string description;  // "nbrDesc"; empty when none
};

/// Every neighbor of the answer by the key FRR prints (the address as FRR formats it,
/// "192.0.2.11", "2001:db8:ffff::11"; an interface name for unnumbered peers).
///
/// - `state` from "bgpState" (RFC 4271 section 8.2.2 names; "Clearing" and "Deleted" are idle).
///   `disabled` when FRR holds the neighbor down: "adminShutDown" (`neighbor X shutdown`), a
///   maximum-prefix overflow ("prefixesConfigExceedMax", RFC 7454 section 8), or a state
///   written with such a marker ("Idle (Admin)", "Idle (PfxCt)").
/// - `seconds_in_state`: "bgpTimerUpMsec" when established, else "lastResetTimerMsecs" (time
///   since the session last went down); unset when neither is there.
/// - `prefixes_accepted`: "acceptedPrefixCounter" summed over "addressFamilyInfo" (routes the
///   inbound route-map accepted). `prefixes_received` stays unset: FRR does not report the count
///   before the inbound policy in this answer (not even with soft-reconfiguration inbound).
/// - `last_error`, only when not established: "lastResetDueTo", followed by
///   "lastNotificationReason" (": OPEN Message Error/Role Mismatch") and a received RFC 9003
///   shutdown communication; empty for resets that configuration changes caused ("No AFI/SAFI
///   activated for peer", "Remote AS changed", ...), which are not errors of the session.
///
/// Text before the JSON object (vtysh prints "% ..." notices there) is skipped. `data_invalid` at
/// "router.state" when the answer is not a JSON object, or a neighbor has no "bgpState" string.
/// Members that are not neighbor objects (FRR's `"bgpNoSuchNeighbor": true`) are left out.
Result<std::map<std::string, FrrNeighborState, std::less<>>> parse_show_bgp_neighbors(
    std::string_view text);

/// The message of a vtysh or bgpd run that refused configuration lines: its lines without blank
/// ones and without vtysh's notice about an unreadable vtysh.conf, joined by "; ", with the
/// secret of every `password` word replaced by "<secret>" (FRR echoes the refused line, and a
/// session secret never appears in an error; DESIGN.md "Wire contract").
std::string check_message(std::string_view output);

}  // namespace peerapi::router::frr
