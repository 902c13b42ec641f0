// The initiator's commands (issue 7): `peerapi locations | request | status | delete`, on the
// client library (client/). Each reads the same TOML file as the server; its [client] part names
// our ASN, the peers' endpoints and where the token comes from. Exit codes: 0 ok, 1 runtime
// failure or some sessions refused, 2 bad usage or configuration, 3 every session refused.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the client subcommands to `app`. `chosen` becomes true when one of them was parsed;
/// the returned function runs it (call it after parsing) and returns the exit code.
std::function<int()> add_client_commands(CLI::App& app, bool& chosen);

}  // namespace peerapi::cli
