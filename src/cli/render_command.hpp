// `peerapi render`: router configuration for the sessions in this server's store (issue 5).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the `render` subcommand to `app`; the returned function runs it (call it after parsing,
/// when `command` was given) and returns the exit code: 0 rendered, 1 runtime failure (store,
/// PeeringDB, IRR or IANA data unreadable, a file not written), 2 bad usage or configuration.
std::function<int()> add_render_commands(CLI::App& app, CLI::App*& command);

}  // namespace peerapi::cli
