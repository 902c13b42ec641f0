// `peerapi admin pending | approve | reject`: the manual review queue of a configured server
// (issue 4 "Manual review"), worked on the server's own store. Every decision is a conditional
// status change recorded in the session history with who made it, so two operators approving
// the same session at once cannot both win.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the admin subcommands to `app`; the returned function runs whichever was chosen (call it
/// after parsing, when `command` was given) and returns the exit code.
std::function<int()> add_admin_commands(CLI::App& app, CLI::App*& command);

}  // namespace peerapi::cli
