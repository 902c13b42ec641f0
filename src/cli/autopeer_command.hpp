// `peerapi autopeer --config F [--dry-run | --apply] [--json]`: the regularly scheduled request
// (client/autopeer.hpp). Looks at every network at our IXs ([client.autopeer] narrows it), says
// for each why it is skipped or what would be asked, and with --apply asks each chosen network
// for sessions (one POST /sessions per network) and records the outcome in the state file. The
// default is a dry run: it reads the peers' APIs (to see whether we already peer) but sends no
// request and writes no state. Exit codes: 0 ok (refusals by a peer are outcomes, not
// failures); 1 runtime failure (a peer could not be checked or asked, the PeeringDB data could
// not be read, the state file could not be written, another run holds the lock); 2 bad usage,
// configuration, or a state file that cannot be read.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>

namespace peerapi::cli {

/// Adds `autopeer` to `app`; `on_parsed` is called when it is parsed. Returns the subcommand and
/// the function that runs it.
std::pair<CLI::App*, std::function<int()>> add_autopeer_command(CLI::App& app,
                                                                std::function<void()> on_parsed);

}  // namespace peerapi::cli
