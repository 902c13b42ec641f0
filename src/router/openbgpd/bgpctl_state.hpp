// Reading `bgpctl show neighbor` (OpenBGPD 7.7, the long form; `show neighbor X` prints the same
// block for one neighbor): the state of every neighbor. Pure, so it is tested on captured output
// and fuzzed (the text comes from a daemon, not from a person).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "router/driver.hpp"

namespace peerapi::router::openbgpd {

struct BgpctlNeighborState {
  SessionState session;
  std::string address;      // "192.0.2.11" as bgpctl prints it ("192.0.2.0/24" for a template)
  std::string description;  // the " Description:" line (bgpd.conf `descr`); empty when none
};

/// Every "BGP neighbor is ..." block, in output order.
///
/// - `state` from "BGP state = STATE" (RFC 4271 section 8.2.2 names; bgpd's "None" is idle).
///   `disabled` when bgpd holds the neighbor down: "marked down" (`down` in bgpd.conf or
///   `bgpctl neighbor X down`), or idle after it sent a max-prefix Cease (RFC 4486 subcode 1,
///   RFC 7454 section 8), until the restart timer brings it back.
/// - `seconds_in_state` from ", up for T" / ", down for T" (bgpd's "01:02:03", "1d02h03m",
///   "01w2d03h"; the shorter forms lose the seconds or minutes); unset without it.
/// - `prefixes_received` from the "Prefixes" row of the update statistics (Adj-RIB-In, before
///   the filters: what bgpd's max-prefix counts). `prefixes_accepted` stays unset: bgpctl 7.7
///   reports the count after the filters only by listing the routes (`show rib neighbor X`).
/// - `last_error`, only when not established: bgpd's "Last error sent: ...", "Last error
///   received: ...", "Last error: ..." (older bgpctl) and "Last received shutdown reason: ..."
///   lines (RFC 9003), as printed, joined by "; ".
///
/// An empty answer and bgpctl's "no such neighbor" are no neighbors. `data_invalid` at
/// "router.state" for any other text without a neighbor block, or a block without its
/// "BGP state =" line or with a state bgpctl never prints.
Result<std::vector<BgpctlNeighborState>> parse_show_neighbor(std::string_view text);

/// The message of `bgpd -n` or `bgpctl reload` output: its lines without blank ones, joined by
/// "; ", with the word after each "password" replaced by "<secret>" (a session secret never
/// appears in an error; DESIGN.md "Wire contract").
std::string output_message(std::string_view output);

}  // namespace peerapi::router::openbgpd
