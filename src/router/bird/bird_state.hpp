// Reading `birdc show protocols all` (BIRD 2): the state of each BGP protocol. Pure, so it is
// tested on captured output and fuzzed (the text comes from a daemon, not from a person).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "router/driver.hpp"

namespace peerapi::router::bird {

struct BirdProtocolState {
  SessionState session;
  /// The "Since" column as seconds after midnight (local time) when BIRD printed a time of day
  /// (with its default `timeformat protocol` it prints the date alone for a change more than
  /// 20 hours ago); the driver turns it into an age.
  std::optional<std::int64_t> since_second_of_day;
  std::string neighbor_address;  // "Neighbor address:"; empty when not shown
};

/// Every BGP protocol of the output by name. Non-BGP protocols (device, rpki, ...) are left out;
/// lines it does not understand are skipped. The protocol is `disabled` when BIRD's protocol
/// state is "down" (shut by a receive limit or an operator), else the "BGP state:" line (or,
/// without one, the first word of the info column) maps to the RFC 4271 state.
/// `prefixes_accepted` sums "Routes: N imported" over the channels; `prefixes_received` adds
/// "M filtered" when BIRD keeps filtered routes, else stays unset.
/// `last_error` is the "Last error:" line, or an "Error: ..." info column.
std::map<std::string, BirdProtocolState, std::less<>> parse_show_protocols_all(
    std::string_view text);

/// The message of a failed `birdc configure [check]`: the lines after BIRD's banner and its
/// "Reading configuration from" line, joined by "; " (e.g. "bird.conf:12:3 syntax error, ...").
std::string configure_error(std::string_view output);

}  // namespace peerapi::router::bird
