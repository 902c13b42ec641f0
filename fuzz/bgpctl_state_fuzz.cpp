// libFuzzer target for the readers of OpenBGPD's answers (router/openbgpd/bgpctl_state.hpp):
// `bgpctl show neighbor` and the output of bgpd -n / bgpctl reload, which come from a daemon.
// Checked: no crash; every neighbor came from a "BGP neighbor is" line; an established neighbor
// has no last error and a disabled one is never established; times are never negative; a
// message never shows the word after "password".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "router/openbgpd/bgpctl_state.hpp"

namespace openbgpd = peerapi::router::openbgpd;

namespace {

void check(bool condition) {
  if (!condition)
    std::abort();
}

std::size_t occurrences(std::string_view text, std::string_view word) {
  std::size_t count = 0;
  for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1))
    ++count;
  return count;
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
  if (const auto neighbors = openbgpd::parse_show_neighbor(text)) {
    check(neighbors->size() <= occurrences(text, "BGP neighbor is "));
    for (const auto& neighbor : *neighbors) {
      if (neighbor.session.state == peerapi::router::BgpState::established)
        check(neighbor.session.last_error.empty());
      if (neighbor.session.seconds_in_state)
        check(*neighbor.session.seconds_in_state >= 0);
      check(!neighbor.session.prefixes_accepted.has_value());
    }
  } else {
    check(neighbors.error().code == peerapi::ErrorCode::data_invalid);
    check(neighbors.error().field == "router.state");
  }
  const std::string message = openbgpd::output_message(text);
  check(secrets_hidden(message));
  return 0;
}
