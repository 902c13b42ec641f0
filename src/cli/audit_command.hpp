// `peerapi audit`: reads the audit log of the store a server configuration names
// (docs/operations.md "Audit log"); and the audit entries of operator commands.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "model/error.hpp"
#include "store/store.hpp"

namespace peerapi::cli {

/// Registers `audit`; the returned function runs it (exit 0, 1 runtime failure, 2 bad usage).
std::function<int()> add_audit_commands(CLI::App& app, CLI::App*& command);

/// A --since/--until value: RFC 3339 ("2026-11-24T06:00:00Z") or a duration before `now_ms`
/// ("90s", "90m", "24h", "7d"). invalid_value at `option` otherwise.
Result<std::int64_t> parse_time_option(std::string_view option, std::string_view text,
                                       std::int64_t now_ms);

/// The operator's name for audit entries: "admin:" + the Unix user running the command.
std::string admin_subject();

/// The audit entry of an operator command on one session (source "cli", status 0).
store::AuditEntry admin_audit_entry(std::string_view action, const std::string& session_id,
                                    std::string_view decision, std::string reason,
                                    std::int64_t now_ms);

/// Appends admin_audit_entry(...) in its own transaction, for outcomes that wrote nothing else.
/// A failure is reported on stderr and does not change the command's outcome.
void record_admin_audit(store::Store& store, std::string_view action, const std::string& session_id,
                        std::string_view decision, std::string reason, std::int64_t now_ms);

}  // namespace peerapi::cli
