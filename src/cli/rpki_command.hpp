// `peerapi rpki validate: route origin validation (RFC 6811) from VRP files or an RTR cache`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the `rpki` subcommands to `app`; the returned function runs whichever was chosen (call it
/// after parsing, when `command` was given) and returns the exit code.
std::function<int()> add_rpki_commands(CLI::App& app, CLI::App*& command);

}  // namespace peerapi::cli
