// The initiator's commands (issue 7): `peerapi locations | request | status | delete`, plus
// `peerapi token` (token_command.hpp) and `peerapi autopeer` (autopeer_command.hpp), on the
// client library (client/). Each reads the same TOML file as the server; its [client] part names
// our ASN, the peers' endpoints and where the token comes from. Exit codes: 0 ok, 1 runtime
// failure or some sessions refused, 2 bad usage or configuration, 3 every session refused.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/request_signer.hpp"
#include "client/client_error.hpp"
#include "client/discovery.hpp"
#include "client/peer_api_client.hpp"
#include "client/setup.hpp"
#include "config/config.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/session.hpp"
#include "net/http_client.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

/// Adds the client subcommands to `app`. `chosen` becomes true when one of them was parsed;
/// the returned function runs it (call it after parsing) and returns the exit code.
std::function<int()> add_client_commands(CLI::App& app, bool& chosen);

/// What the client subcommands share (client_commands.cpp, token_command.cpp,
/// autopeer_command.cpp).
namespace client_cli {

inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

/// Everything a client command needs once the configuration is read.
struct Context {
  explicit Context(config::Config parsed)
      : config(std::move(parsed)), local_asn(client::our_asn(config)) {}

  config::Config config;
  model::Asn local_asn;
  util::SystemClock clock;
  util::SecureRandom random;
  client::ThreadSleeper sleeper;
  std::unique_ptr<net::CurlHttpClient> http;
  std::optional<client::DpopKey> key;
  std::unique_ptr<auth::RequestSigner> signer;
  std::string token;
};

/// Reads the configuration, the static token (client.token, client.token_file) and the DPoP key
/// and, with `with_token`, obtains a token from [client.idp] when no static one is configured
/// (obtain_token). nullptr after printing why, with `exit_code` 2 (usage, configuration) or 1
/// (the IdP could not be reached or refused); `exit_code` is 0 otherwise.
std::unique_ptr<Context> open_context(std::string_view command, const std::string& file,
                                      int& exit_code, bool with_token = true);
/// When context.token is empty and [client.idp] is configured, sets it to a token from the IdP
/// (client::TokenSource: the cached one while it is valid). Returns 0, or the exit code after
/// printing why.
int obtain_token(std::string_view command, Context& context);
/// A PeerApiClient for `endpoint` with the context's token, signer, retries and HTTP client.
std::unique_ptr<client::PeerApiClient> make_client(Context& context,
                                                   const client::Endpoint& endpoint);
/// The PeeringDB snapshot of [peeringdb].snapshot_dir; nullptr after printing why.
std::shared_ptr<const sources::peeringdb::Snapshot> load_peeringdb(std::string_view command,
                                                                   const Context& context);

/// "peerapi <cmd>: <field>: <message>" on stderr.
void complain(std::string_view command, const Error& error);
/// Prints a failed call (with every server error) and returns its exit code (2 for usage
/// failures, else 1).
int report(std::string_view command, const client::ClientError& error,
           std::string_view subject = {});

boost::json::object field_error_json(const client::FieldError& e);
boost::json::array field_errors_json(const std::vector<client::FieldError>& errors);
/// {"kind", "code", "field", "message", "http_status"?, "errors"?, "contact_email"?}.
boost::json::object error_json(const client::ClientError& error);
/// One line of JSON on stdout.
void print_json(const boost::json::value& value);
/// The request form of a session for display: never the secret.
boost::json::object planned_json(const model::SessionRequest& session);
/// {"asn", "url", "origin", "source"}.
boost::json::object endpoint_json(model::Asn peer, const client::Endpoint& endpoint);

}  // namespace client_cli

}  // namespace peerapi::cli
