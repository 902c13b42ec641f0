#include "cli/token_command.hpp"

#include <boost/json/object.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli/client_commands.hpp"
#include "client/token_source.hpp"

namespace peerapi::cli {

namespace {

namespace json = boost::json;
using namespace client_cli;

constexpr const char* kExitCodes =
    "Exit codes: 0 success; 1 the IdP could not be reached, refused the request or answered "
    "outside the protocol; 2 bad usage or configuration.";

struct TokenOptions {
  std::string config_file;
  bool dev = false;
  bool json = false;
  bool fresh = false;
};

int run_token(const TokenOptions& o) {
  constexpr std::string_view kCmd = "token";
  int exit_code = 0;
  auto context = open_context(kCmd, o.config_file, exit_code, false);
  if (!context)
    return exit_code;
  if (!context->config.client.idp) {
    complain(kCmd, Error{ErrorCode::missing_field, "client.idp",
                         "no identity provider configured: add [client.idp] (grant, "
                         "token_endpoint or issuer, client_id, client_secret_file ...)"});
    return kExitUsage;
  }
  config::ClientIdpSection idp = *context->config.client.idp;
  if (o.dev) {
    if (idp.dev_key_file.empty() || idp.audience.empty()) {
      complain(kCmd,
               Error{ErrorCode::missing_field,
                     idp.dev_key_file.empty() ? "client.idp.dev_key_file" : "client.idp.audience",
                     "--dev needs client.idp.dev_key_file (a key `peerapi dev-idp keygen` "
                     "wrote) and client.idp.audience (the audience the peer's server "
                     "expects)"});
      return kExitUsage;
    }
    idp.grant = config::IdpGrant::dev;
  }
  client::TokenSource source(
      client::TokenSourceOptions{.idp = std::move(idp),
                                 .dev_asns = client::dev_token_asns(context->config),
                                 .dpop_key = context->key,
                                 .retry = client::retry_policy(context->config.client)},
      *context->http, context->clock, context->random, context->sleeper);
  auto token = o.fresh ? source.fresh_token() : source.token();
  if (!token) {
    if (o.json)
      print_json(json::object{{"error", error_json(token.error())}});
    return report(kCmd, token.error());
  }
  if (const auto& warning = source.cache_warning())
    complain(kCmd, Error{warning->code, warning->field, "token not cached: " + warning->message});
  if (!o.json) {
    std::cout << token->value << "\n";
    return 0;
  }
  json::object doc{{"access_token", token->value},
                   {"token_type", token->token_type},
                   {"origin", client::to_string(token->origin)},
                   {"obtained_at", util::format_rfc3339(token->obtained_at_ms)}};
  if (token->expires_at_ms) {
    doc["expires_at"] = util::format_rfc3339(*token->expires_at_ms);
    doc["expires_in"] = (*token->expires_at_ms - context->clock.now_ms()) / 1000;
  } else {
    doc["expires_at"] = nullptr;
  }
  if (!token->scope.empty())
    doc["scope"] = token->scope;
  if (!token->issued_token_type.empty())
    doc["issued_token_type"] = token->issued_token_type;
  if (!source.token_endpoint().empty())
    doc["token_endpoint"] = source.token_endpoint();
  print_json(doc);
  return 0;
}

}  // namespace

std::pair<CLI::App*, std::function<int()>> add_token_command(CLI::App& app,
                                                             std::function<void()> on_parsed) {
  auto o = std::make_shared<TokenOptions>();
  auto* token = app.add_subcommand(
      "token",
      "Print an access token from our IdP ([client.idp]: client credentials or RFC 8693 token "
      "exchange) or the development IdP");
  token->add_option("--config,-c", o->config_file, "TOML configuration file")->required();
  token->add_flag("--dev", o->dev,
                  "mint it with the development IdP key (client.idp.dev_key_file) instead");
  token->add_flag("--fresh", o->fresh, "ask the IdP even when the cached token is still valid");
  token->add_flag("--json", o->json, "print one JSON document with the token, its type and expiry");
  token->footer(kExitCodes);
  token->parse_complete_callback(std::move(on_parsed));
  return {token, [o]() { return run_token(*o); }};
}

}  // namespace peerapi::cli
