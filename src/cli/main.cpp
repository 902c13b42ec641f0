// The `peerapi` command. Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad config.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/admin_command.hpp"
#include "cli/audit_command.hpp"
#include "cli/client_commands.hpp"
#include "cli/dev_idp_command.hpp"
#include "cli/irr_command.hpp"
#include "cli/migrate_command.hpp"
#include "cli/render_command.hpp"
#include "cli/rpki_command.hpp"
#include "cli/sync_command.hpp"
#include "config/config.hpp"
#include "server/app.hpp"
#include "server/tls_context.hpp"

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;

/// [server.tls]: the files loaded as the server would (a missing file, a key that is not the
/// certificate's), so that check-config and ExecStartPre catch them, and serve refuses them as
/// a configuration error (exit 2) before loading any data. False after printing the problem.
bool tls_files_load(const peerapi::config::Config& config, const std::string& file) {
  if (!config.server.tls)
    return true;
  auto tls = peerapi::server::TlsContext::create(*config.server.tls);
  if (!tls)
    std::cerr << file << ": " << tls.error().field << ": " << tls.error().message << "\n";
  return tls.has_value();
}

int check_config(const std::string& file) {
  auto config = peerapi::config::load_config(file);
  if (!config) {
    std::cerr << peerapi::config::describe(config.error());
    std::cerr << file << ": " << config.error().size() << " problem(s)\n";
    return kExitConfig;
  }
  if (!tls_files_load(*config, file)) {
    std::cerr << file << ": 1 problem(s)\n";
    return kExitConfig;
  }
  std::cout << file << ": OK (" << config->network.asns.size() << " ASN(s), "
            << config->server.listen.size() << " listen address(es), "
            << config->auth.issuers.size() << " token issuer(s), "
            << config->auth.static_tokens.size() << " static token(s)"
            << (config->auth.require_dpop ? ", DPoP required" : "")
            << (config->auth.require_signatures ? ", signatures required" : "") << ")\n";
  return 0;
}

int serve(const std::string& file) {
  auto config = peerapi::config::load_config(file);
  if (!config) {
    std::cerr << peerapi::config::describe(config.error());
    return kExitConfig;
  }
  if (!tls_files_load(*config, file))
    return kExitConfig;
  peerapi::server::configure_logging(config->log);
  return peerapi::server::serve(*config, file);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"peerapi: the IETF Peering API (draft-ietf-grow-peering-api) for network operators"};
  app.set_version_flag("--version", std::string("peerapi ") + PEERAPI_VERSION);
  app.require_subcommand(1);

  std::string config_file;
  auto* serve_cmd = app.add_subcommand("serve", "Run the Peering API server");
  serve_cmd->add_option("--config,-c", config_file, "TOML configuration file")->required();

  auto* check_cmd =
      app.add_subcommand("check-config", "Validate a configuration file and name every bad key");
  check_cmd->add_option("--config,-c", config_file, "TOML configuration file")->required();

  CLI::App* dev_idp_cmd = nullptr;
  auto run_dev_idp = peerapi::cli::add_dev_idp_commands(app, dev_idp_cmd);
  CLI::App* admin_cmd = nullptr;
  auto run_admin = peerapi::cli::add_admin_commands(app, admin_cmd);
  CLI::App* audit_cmd = nullptr;
  auto run_audit = peerapi::cli::add_audit_commands(app, audit_cmd);
  CLI::App* irr_cmd = nullptr;
  auto run_irr = peerapi::cli::add_irr_commands(app, irr_cmd);
  CLI::App* rpki_cmd = nullptr;
  auto run_rpki = peerapi::cli::add_rpki_commands(app, rpki_cmd);
  CLI::App* render_cmd = nullptr;
  auto run_render = peerapi::cli::add_render_commands(app, render_cmd);
  CLI::App* sync_cmd = nullptr;
  auto run_sync = peerapi::cli::add_sync_commands(app, sync_cmd);
  CLI::App* migrate_cmd = nullptr;
  auto run_migrate = peerapi::cli::add_migrate_commands(app, migrate_cmd);
  bool client_cmd = false;
  auto run_client = peerapi::cli::add_client_commands(app, client_cmd);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitConfig;
  }
  try {
    if (*serve_cmd)
      return serve(config_file);
    if (*check_cmd)
      return check_config(config_file);
    if (*dev_idp_cmd)
      return run_dev_idp();
    if (*admin_cmd)
      return run_admin();
    if (*audit_cmd)
      return run_audit();
    if (*irr_cmd)
      return run_irr();
    if (*rpki_cmd)
      return run_rpki();
    if (*sync_cmd)
      return run_sync();
    if (*migrate_cmd)
      return run_migrate();
    if (*render_cmd)
      return run_render();
    if (client_cmd)
      return run_client();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peerapi: fatal: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitConfig;
}
