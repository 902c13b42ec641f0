// Which keys differ between two configuration files: SIGHUP applies the reloadable ones and
// names the others, which need a restart (docs/operations.md "Signals: reload and drain").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace peerapi::config {

/// The keys whose values differ between two TOML texts, as dotted paths at most two levels deep
/// ("server.listen", "log.level", "server.tls", "store"); a key present on one side only counts
/// as changed. Sorted. A text that is not TOML counts as empty.
std::vector<std::string> changed_keys(std::string_view before, std::string_view after);

}  // namespace peerapi::config
