// `peerapi token --config F [--dev] [--json] [--fresh]`: an access token from the network's
// IdP ([client.idp]: client credentials, RFC 6749 section 4.4, or token exchange, RFC 8693),
// or minted with the development IdP key (--dev, or grant = "dev"). By default only the token
// is printed, so `$(peerapi token --config F)` works; --json adds its type and expiry. A cached
// token (client.idp.token_cache_file) is reused until shortly before it expires. Exit codes:
// 0 ok; 1 the IdP could not be reached, refused, or answered outside the protocol; 2 bad usage
// or configuration.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>

namespace peerapi::cli {

/// Adds `token` to `app`; `on_parsed` is called when it is parsed. Returns the subcommand and
/// the function that runs it.
std::pair<CLI::App*, std::function<int()>> add_token_command(CLI::App& app,
                                                             std::function<void()> on_parsed);

}  // namespace peerapi::cli
