// The outbound guard for the CLI commands that reach a server named on the command line
// (`peerapi irr expand --irrd`, `peerapi rpki validate --rtr`): the same policy as the server's
// [outbound], taken from --config, widened by --allow-loopback and --allow-prefix.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "net/outbound_guard.hpp"

namespace peerapi::cli {

struct OutboundOptions {
  std::string config_file;                  // its [outbound] applies; empty: the defaults
  bool allow_loopback = false;              // 127.0.0.0/8 and ::1 may be reached
  std::vector<std::string> allow_prefixes;  // CIDR ranges that may be reached
};

/// Adds --config, --allow-loopback and --allow-prefix to `command`.
void add_outbound_options(CLI::App& command, OutboundOptions& options);

/// The policy the options describe. config_invalid at "--config" when the file does not load;
/// invalid_value at "--allow-prefix" for a range that is not CIDR.
Result<net::OutboundPolicy> outbound_policy_of(const OutboundOptions& options);

/// `error` with a hint naming this command's flags appended when it is a refusal by the guard.
Error with_flag_hint(Error error);

}  // namespace peerapi::cli
