// `peerapi migrate --from sqlite:PATH --to postgresql://...`: moves an installation from its
// SQLite file to a PostgreSQL database (docs/store.md "Moving to PostgreSQL").
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the `migrate` subcommand to `app`; the returned function runs it (call it after parsing,
/// when `command` was given) and returns the exit code: 0 copied and verified, 1 runtime failure
/// (a database unreadable or unreachable, the target not empty, a row refused; nothing was
/// written to the target), 2 bad usage.
std::function<int()> add_migrate_commands(CLI::App& app, CLI::App*& command);

}  // namespace peerapi::cli
