// `peerapi irr expand: AS-SET/ASN expansion to prefix lists, bgpq4-like`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the `irr` subcommands to `app`; the returned function runs whichever was chosen (call it
/// after parsing, when `command` was given) and returns the exit code.
std::function<int()> add_irr_commands(CLI::App& app, CLI::App*& command);

}  // namespace peerapi::cli
