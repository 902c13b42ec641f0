// `peerapi dev-idp keygen | jwks | token | thumbprint`: the development IdP on the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace peerapi::cli {

/// Adds the dev-idp subcommands to `app`; the returned function runs whichever was chosen
/// (call it after parsing, when the dev-idp subcommand was given) and returns the exit code.
std::function<int()> add_dev_idp_commands(CLI::App& app, CLI::App*& dev_idp);

}  // namespace peerapi::cli
