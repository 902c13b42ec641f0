// libFuzzer target for the readers of FRR's answers (router/frr/frr_state.hpp): the JSON of
// `show bgp neighbors json` and vtysh/bgpd check output, which come from a daemon. Also runs
// plan_change (router/frr/frr_driver.hpp), whose input includes the operator's base
// configuration. Checked: no crash; an established neighbor has no last error; times and counts
// are never negative; a message never shows the word after "password"; a candidate compared
// with itself needs no change.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "router/frr/frr_driver.hpp"
#include "router/frr/frr_state.hpp"

namespace frr = peerapi::router::frr;

namespace {

void check(bool condition) {
  if (!condition)
    std::abort();
}

/// Every "password" followed by blanks is followed by "<secret>" (or by nothing it could hide:
/// the end of the text, of a line, or of a joined line).
bool secrets_hidden(std::string_view message) {
  for (auto at = message.find("password"); at != std::string_view::npos;
       at = message.find("password", at + 1)) {
    std::size_t next = at + 8;
    if (next >= message.size() || (message[next] != ' ' && message[next] != '\t'))
      continue;
    while (next < message.size() && (message[next] == ' ' || message[next] == '\t'))
      ++next;
    const std::string_view rest = message.substr(next);
    if (!rest.empty() && !rest.starts_with("<secret>") && rest[0] != '\n' && rest[0] != '\r' &&
        rest[0] != ';')
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto neighbors = frr::parse_show_bgp_neighbors(text)) {
    for (const auto& [key, neighbor] : *neighbors) {
      const auto& session = neighbor.session;
      if (session.state == peerapi::router::BgpState::established)
        check(session.last_error.empty());
      if (session.seconds_in_state)
        check(*session.seconds_in_state >= 0);
      check(!session.prefixes_received.has_value());
    }
  } else {
    check(neighbors.error().code == peerapi::ErrorCode::data_invalid);
    check(neighbors.error().field == "router.state");
  }
  const std::string message = frr::check_message(text);
  check(secrets_hidden(message));
  if (size < 4096) {
    const frr::FrrConfigChange same = frr::plan_change(text, text, false);
    check(same.removals.empty() && same.additions.empty());
    const std::size_t half = size / 2;
    (void)frr::plan_change(text.substr(0, half), text.substr(half), false);
  }
  return 0;
}
