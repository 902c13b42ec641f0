// libFuzzer target for the configuration reader (config/config.hpp; issue 8: a fuzz target for
// the TOML config). Input: the text of a configuration file. Checked: no crash or hang; a
// refused file always names at least one problem, each with a message; an accepted file
// describes itself consistently (`describe` of no errors is empty) and parses the same again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

namespace {

void check(bool condition) {
  if (!condition)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = peerapi::config::parse_config(text, "fuzz.toml");
  if (!parsed) {
    check(!parsed.error().empty());
    for (const auto& error : parsed.error())
      check(!error.message.empty());
    check(!peerapi::config::describe(parsed.error()).empty());
    return 0;
  }
  const auto again = peerapi::config::parse_config(text, "fuzz.toml");
  check(again.has_value());
  check(again->network.asns == parsed->network.asns);
  check(again->router.enabled == parsed->router.enabled);
  return 0;
}
