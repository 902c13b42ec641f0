// `peerapi sync peeringdb | sync iana: refresh the data sources on disk`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the `sync` subcommands to `app`; the returned function runs whichever was chosen (call it
/// after parsing, when `command` was given) and returns the exit code.
std::function<int()> add_sync_commands(CLI::App& app, CLI::App*& command);

}  // namespace peerapi::cli
