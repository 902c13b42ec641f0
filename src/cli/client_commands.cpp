#include "cli/client_commands.hpp"

#include "cli/own_router.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "api/codec.hpp"
#include "auth/request_signer.hpp"
#include "cli/autopeer_command.hpp"
#include "cli/token_command.hpp"
#include "client/discovery.hpp"
#include "client/peer_api_client.hpp"
#include "client/session_plan.hpp"
#include "client/setup.hpp"
#include "client/token_source.hpp"
#include "config/config.hpp"
#include "model/bgp_role.hpp"
#include "net/http_client.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

namespace json = boost::json;

namespace client_cli {

/// "peerapi <cmd>: <field>: <message>" on stderr.
void complain(std::string_view command, const Error& error) {
  std::cerr << "peerapi " << command << ": " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
}

/// Prints a failed call (with every server error) and returns its exit code.
int report(std::string_view command, const client::ClientError& error, std::string_view subject) {
  std::cerr << "peerapi " << command << ": ";
  if (!subject.empty())
    std::cerr << subject << ": ";
  if (error.kind == client::FailureKind::http)
    std::cerr << "HTTP " << error.http_status << ": ";
  else if (error.kind == client::FailureKind::decode)
    std::cerr << "malformed answer from the peer: ";
  std::cerr << (error.error.field.empty() ? "" : error.error.field + ": ") << error.error.message
            << "\n";
  for (std::size_t i = 1; i < error.server_errors.size(); ++i) {
    const auto& e = error.server_errors[i];
    std::cerr << "  " << (e.name.empty() ? "" : e.name + ": ") << e.code
              << (e.messages.empty() ? "" : ": " + e.messages.front()) << "\n";
  }
  if (error.retry_after_ms)
    std::cerr << "  the peer asks to retry after " << (*error.retry_after_ms + 999) / 1000
              << " s\n";
  if (error.contact_email)
    std::cerr << "  contact: " << *error.contact_email << "\n";
  return error.kind == client::FailureKind::usage ? kExitUsage : kExitRuntime;
}

json::object field_error_json(const client::FieldError& e) {
  json::array messages;
  for (const auto& m : e.messages)
    messages.emplace_back(m);
  return json::object{{"name", e.name}, {"code", e.code}, {"errors", std::move(messages)}};
}

json::array field_errors_json(const std::vector<client::FieldError>& errors) {
  json::array out;
  for (const auto& e : errors)
    out.push_back(field_error_json(e));
  return out;
}

json::object error_json(const client::ClientError& error) {
  json::object out{{"kind", client::to_string(error.kind)},
                   {"code", to_string(error.error.code)},
                   {"field", error.error.field},
                   {"message", error.error.message}};
  if (error.http_status != 0)
    out["http_status"] = error.http_status;
  if (!error.server_errors.empty())
    out["errors"] = field_errors_json(error.server_errors);
  if (error.contact_email)
    out["contact_email"] = *error.contact_email;
  return out;
}

void print_json(const json::value& value) {
  std::cout << json::serialize(value) << "\n";
}

/// The request form of a session for display: never the secret.
json::object planned_json(const model::SessionRequest& session) {
  json::object out = client::encode_session_request(session);
  out.erase("session_secret");
  return out;
}

std::unique_ptr<Context> open_context(std::string_view command, const std::string& file,
                                      int& exit_code, bool with_token) {
  exit_code = kExitUsage;
  auto config = config::load_config(file);
  if (!config) {
    std::cerr << config::describe(config.error());
    return nullptr;
  }
  auto context = std::make_unique<Context>(std::move(*config));
  auto token = client::load_access_token(context->config.client);
  if (!token) {
    complain(command, token.error());
    return nullptr;
  }
  context->token = std::move(*token);
  auto key = client::load_dpop_key(context->config.client);
  if (!key) {
    complain(command, key.error());
    return nullptr;
  }
  context->key = std::move(*key);
  if (context->key) {
    context->signer = std::make_unique<auth::RequestSigner>(
        context->key->key, context->key->algorithm, context->clock, context->random);
  }
  context->http = std::make_unique<net::CurlHttpClient>(client::http_options(context->config));
  if (with_token && (exit_code = obtain_token(command, *context)) != 0)
    return nullptr;
  exit_code = 0;
  return context;
}

int obtain_token(std::string_view command, Context& context) {
  if (!context.token.empty() || !context.config.client.idp)
    return 0;
  client::TokenSource source(
      client::TokenSourceOptions{.idp = *context.config.client.idp,
                                 .dev_asns = client::dev_token_asns(context.config),
                                 .dpop_key = context.key,
                                 .retry = client::retry_policy(context.config.client)},
      *context.http, context.clock, context.random, context.sleeper);
  auto issued = source.token();
  if (!issued)
    return report(command, issued.error(), "access token from [client.idp]");
  if (const auto& warning = source.cache_warning())
    complain(command,
             Error{warning->code, warning->field, "token not cached: " + warning->message});
  context.token = std::move(issued->value);
  return 0;
}

std::unique_ptr<client::PeerApiClient> make_client(Context& context,
                                                   const client::Endpoint& endpoint) {
  client::ClientOptions options;
  options.base_url = endpoint.url;
  options.access_token = context.token;
  options.signer = context.signer.get();
  options.sign_requests = context.config.client.sign_requests;
  options.retry = client::retry_policy(context.config.client);
  return std::make_unique<client::PeerApiClient>(std::move(options), *context.http, context.clock,
                                                 context.random, context.sleeper);
}

json::object endpoint_json(model::Asn peer, const client::Endpoint& endpoint) {
  return json::object{{"asn", peer.value()},
                      {"url", endpoint.url},
                      {"origin", client::to_string(endpoint.origin)},
                      {"source", endpoint.source}};
}

/// The PeeringDB snapshot of [peeringdb].snapshot_dir; nullptr after printing why.
std::shared_ptr<const sources::peeringdb::Snapshot> load_peeringdb(std::string_view command,
                                                                   const Context& context) {
  auto loaded = sources::peeringdb::load_snapshot_dir(context.config.peeringdb.snapshot_dir);
  if (!loaded) {
    complain(command, Error{loaded.error().code, "peeringdb.snapshot_dir", loaded.error().message});
    return nullptr;
  }
  return loaded->first;
}

}  // namespace client_cli

namespace {

using namespace client_cli;

constexpr int kExitAllRefused = 3;

constexpr const char* kExitCodes =
    "Exit codes: 0 success; 1 runtime failure (peer unreachable, no endpoint known, an error "
    "answer) or some sessions refused; 2 bad usage or configuration; 3 every session refused.";

struct ClientCliOptions {
  std::string config_file;
  bool json = false;
  std::string peer;  // "AS64500" / "64500"
  std::vector<std::string> locations;
  int family = 0;
  std::string role = "peer";
  std::string secret;
  bool dry_run = false;
  bool wait = false;
  double timeout_s = 300;
  double interval_s = 5;
  std::string request_id;
  std::vector<std::string> session_ids;
};

std::string family_of(const model::IpAddress& ip) {
  return ip.is_v4() ? "IPv4" : "IPv6";
}

std::optional<model::Asn> parse_peer(std::string_view command, const std::string& text,
                                     std::string_view field) {
  auto asn = model::Asn::parse(text, field);
  if (!asn) {
    complain(command, asn.error());
    return std::nullopt;
  }
  return *asn;
}

/// The peer's endpoint; prints why not and sets `exit_code` when there is none.
std::optional<client::Endpoint> find_endpoint(std::string_view command, Context& context,
                                              model::Asn peer, int& exit_code) {
  auto finder = client::endpoint_finder(context.config.client, context.clock);
  auto endpoint = finder.find_endpoint(peer);
  if (!endpoint) {
    complain(command, endpoint.error());
    exit_code = endpoint.error().code == ErrorCode::not_found ? kExitRuntime : kExitUsage;
    return std::nullopt;
  }
  return std::move(*endpoint);
}

void print_endpoint(model::Asn peer, const client::Endpoint& endpoint) {
  std::cout << "peer " << peer.to_string() << ": " << endpoint.url << " (found by "
            << client::to_string(endpoint.origin) << " discovery: " << endpoint.source << ")\n";
}

std::string ip_list(const std::vector<model::IpAddress>& ips) {
  std::string out;
  for (const auto& ip : ips)
    out += (out.empty() ? "" : " ") + ip.to_string();
  return out.empty() ? "-" : out;
}

json::array ip_array(const std::vector<model::IpAddress>& ips) {
  json::array out;
  for (const auto& ip : ips)
    out.emplace_back(ip.to_string());
  return out;
}

// ---- locations ------------------------------------------------------------------------------

int run_locations(const ClientCliOptions& o) {
  constexpr std::string_view kCmd = "locations";
  auto peer = parse_peer(kCmd, o.peer, "peer_asn");
  if (!peer)
    return kExitUsage;
  int exit_code = 0;
  auto context = open_context(kCmd, o.config_file, exit_code);
  if (!context)
    return exit_code;
  auto endpoint = find_endpoint(kCmd, *context, *peer, exit_code);
  if (!endpoint)
    return exit_code;
  auto api = make_client(*context, *endpoint);
  auto remote = api->list_locations(*peer);
  if (!remote)
    return report(kCmd, remote.error());
  auto snapshot = load_peeringdb(kCmd, *context);
  if (!snapshot)
    return kExitRuntime;
  const auto checks = client::compare_locations(*remote, *snapshot, context->local_asn, *peer);

  if (o.json) {
    json::array list;
    for (const auto& c : checks) {
      json::array differences;
      for (const auto& d : c.differences)
        differences.emplace_back(d);
      list.push_back(json::object{{"id", c.id.to_string()},
                                  {"type", model::to_string(c.id.type())},
                                  {"name", c.name},
                                  {"in_peer_api", c.from_api},
                                  {"in_local_peeringdb", c.from_local},
                                  {"api_local_ips", ip_array(c.api_local_ips)},
                                  {"api_peer_ips", ip_array(c.api_peer_ips)},
                                  {"peeringdb_local_ips", ip_array(c.local_local_ips)},
                                  {"peeringdb_peer_ips", ip_array(c.local_peer_ips)},
                                  {"differences", std::move(differences)}});
    }
    print_json(json::object{{"peer", endpoint_json(*peer, *endpoint)},
                            {"local_asn", context->local_asn.value()},
                            {"locations", std::move(list)}});
    return 0;
  }
  print_endpoint(*peer, *endpoint);
  std::size_t differing = 0;
  std::cout << checks.size() << " location(s) shared by " << context->local_asn.to_string()
            << " (us) and " << peer->to_string() << "\n";
  for (const auto& c : checks) {
    std::cout << "  " << std::left << std::setw(12) << c.id.to_string() << " " << c.name << "  ["
              << (c.from_api ? "peer API" : "") << (c.from_api && c.from_local ? ", " : "")
              << (c.from_local ? "local PeeringDB" : "") << "]\n";
    const auto& ours = c.from_api ? c.api_local_ips : c.local_local_ips;
    const auto& theirs = c.from_api ? c.api_peer_ips : c.local_peer_ips;
    if (c.id.type() == model::LocationType::public_peering) {
      std::cout << "      ours:   " << ip_list(ours) << "\n";
      std::cout << "      theirs: " << ip_list(theirs) << "\n";
    }
    for (const auto& d : c.differences)
      std::cout << "      differs: " << d << "\n";
    differing += c.differences.empty() ? 0 : 1;
  }
  std::cout << (differing == 0 ? "the peer's API and local PeeringDB agree\n"
                               : std::to_string(differing) +
                                     " location(s) differ between the peer's API and local "
                                     "PeeringDB\n");
  return 0;
}

// ---- request --------------------------------------------------------------------------------

std::optional<model::BgpRole> role_named(std::string_view name) {
  for (auto role :
       {model::BgpRole::provider, model::BgpRole::route_server, model::BgpRole::route_server_client,
        model::BgpRole::customer, model::BgpRole::peer}) {
    if (model::to_string(role) == name)
      return role;
  }
  return std::nullopt;
}

bool is_terminal(model::SessionStatus status) {
  return status == model::SessionStatus::established || status == model::SessionStatus::rejected ||
         status == model::SessionStatus::deleted || status == model::SessionStatus::unestablished;
}

using StatusList = std::vector<std::pair<std::string, model::SessionStatus>>;

std::string status_summary(const StatusList& statuses) {
  std::map<std::string_view, int> counts;
  for (const auto& [id, status] : statuses)
    ++counts[model::to_string(status)];
  std::string out;
  for (const auto& [name, n] : counts)
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(name);
  return out;
}

struct WaitOutcome {
  bool all_established = false;
  bool timed_out = false;
  StatusList statuses;                         // the peer's, by session id, in request order
  std::optional<StatusList> ours;              // our router's side, with [router]
  std::map<std::string, std::string> reasons;  // ours: why a session is not up (router view)
  std::optional<client::ClientError> failure;  // a non-transient error ended it
  std::optional<Error> router_failure;         // our side could not be driven
};

/// What the wait knows about our own side (issue 6): the router we drive for the sessions the
/// peer accepted, the peer's API base (recorded with them) and the secret we sent (the peer
/// never echoes it).
struct OwnSide {
  OwnRouter* router = nullptr;
  std::string peer_url;
  std::optional<model::SessionSecret> secret;
};

/// Polls the request's sessions until every one is established or terminal, or the timeout.
/// With our own router (`own.router`), the sessions the peer accepted are stored as ours and
/// put on our router, and "established" means established on both sides. An unreachable or
/// busy peer (a restart) is waited out; other errors end the wait.
WaitOutcome wait_for_sessions(client::PeerApiClient& api, Context& context,
                              const client::CreateAnswer& answer, const ClientCliOptions& o,
                              const OwnSide& own) {
  WaitOutcome out;
  for (const auto& a : answer.accepted)
    out.statuses.emplace_back(a.session.session_id.to_string(), a.session.status);
  if (own.router != nullptr) {
    out.ours = StatusList();
    for (const auto& a : answer.accepted)
      out.ours->emplace_back(a.session.session_id.to_string(), model::SessionStatus::pending);
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline =
      start + std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000));
  std::string last_line;
  auto progress = [&](const std::string& line) {
    if (o.json || line == last_line)
      return;
    last_line = line;
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    std::cerr << (tty ? "\r\033[K" : "") << "[" << elapsed << "s] " << line << (tty ? "" : "\n")
              << std::flush;
  };
  const auto set_status = [](StatusList& list, const std::string& id, model::SessionStatus to) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const auto& entry) { return entry.first == id; });
    if (it != list.end())
      it->second = to;
  };
  const client::SessionQuery query{.asn = context.local_asn, .request_id = answer.request_id};
  for (;;) {
    auto sessions = api.list_sessions(query);
    std::string line;
    if (sessions) {
      for (const auto& s : *sessions)
        set_status(out.statuses, s.session_id.to_string(), s.status);
      line = "peer: " + status_summary(out.statuses);
    } else if (sessions.error().kind == client::FailureKind::transport ||
               sessions.error().http_status == 503 || sessions.error().http_status == 429) {
      line = "peer unreachable (" + sessions.error().error.message + "); still waiting";
    } else {
      out.failure = sessions.error();
      break;
    }
    if (own.router != nullptr) {
      if (sessions) {
        std::vector<model::Session> ours;
        for (model::Session s : *sessions) {
          if (std::none_of(answer.accepted.begin(), answer.accepted.end(),
                           [&](const auto& a) { return a.session.session_id == s.session_id; }))
            continue;
          s.fields.session_secret = own.secret;
          ours.push_back(std::move(s));
        }
        if (auto adopted = own.router->adopt(answer.request_id, own.peer_url, ours); !adopted) {
          out.router_failure = adopted.error();
          break;
        }
      }
      auto stepped = own.router->step();
      if (!stepped) {
        out.router_failure = stepped.error();
        break;
      }
      for (const auto& [id, status] : *stepped) {
        set_status(*out.ours, id.to_string(), status);
        if (status != model::SessionStatus::established) {
          auto record = own.router->record(id);
          if (record && *record && !(*record)->last_error.empty())
            out.reasons[id.to_string()] = (*record)->last_error;
          else if (record && *record && !(*record)->bgp_state.empty())
            out.reasons[id.to_string()] = "BGP " + (*record)->bgp_state;
        } else {
          out.reasons.erase(id.to_string());
        }
      }
      line += "; ours: " + status_summary(*out.ours);
    }
    progress(line);
    const auto established = [](const auto& s) {
      return s.second == model::SessionStatus::established;
    };
    const bool peer_done = std::all_of(out.statuses.begin(), out.statuses.end(),
                                       [](const auto& s) { return is_terminal(s.second); });
    const bool ours_done =
        !out.ours || std::all_of(out.ours->begin(), out.ours->end(), [&](const auto& s) {
          // Our side of a session the peer refused or removed never comes up.
          const auto peer = std::find_if(out.statuses.begin(), out.statuses.end(),
                                         [&](const auto& p) { return p.first == s.first; });
          return is_terminal(s.second) ||
                 (peer != out.statuses.end() && is_terminal(peer->second) &&
                  peer->second != model::SessionStatus::established);
        });
    if (peer_done && ours_done) {
      out.all_established =
          std::all_of(out.statuses.begin(), out.statuses.end(), established) &&
          (!out.ours || std::all_of(out.ours->begin(), out.ours->end(), established));
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      out.timed_out = true;
      break;
    }
    const auto pause =
        std::min(std::chrono::milliseconds(static_cast<std::int64_t>(o.interval_s * 1000)),
                 std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    context.sleeper.sleep_ms(pause.count());
  }
  if (tty && !o.json && !last_line.empty())
    std::cerr << "\n";
  return out;
}

constexpr const char* kWaitNoteNoRouter =
    "no [router] in the configuration: --wait follows the peer's status only; our own router "
    "is not configured";

int run_request(const ClientCliOptions& o) {
  constexpr std::string_view kCmd = "request";
  auto peer = parse_peer(kCmd, o.peer, "peer_asn");
  if (!peer)
    return kExitUsage;
  client::PlanRequest plan_request{.local_asn = *peer, .peer_asn = *peer};
  for (std::size_t i = 0; i < o.locations.size(); ++i) {
    auto id = model::LocationId::parse(o.locations[i], "--location");
    if (!id) {
      complain(kCmd, id.error());
      return kExitUsage;
    }
    plan_request.locations.push_back(*id);
  }
  if (o.family == 4)
    plan_request.family = model::IpFamily::v4;
  else if (o.family == 6)
    plan_request.family = model::IpFamily::v6;
  auto role = role_named(o.role);
  if (!role) {
    complain(kCmd, Error{ErrorCode::invalid_role, "--role",
                         "must be peer, provider, customer, rs or rs-client"});
    return kExitUsage;
  }
  plan_request.local_role = *role;
  if (!o.secret.empty()) {
    auto secret = model::SessionSecret::parse(o.secret, "--secret");
    if (!secret) {
      complain(kCmd, secret.error());
      return kExitUsage;
    }
    plan_request.secret = *secret;
  }
  int open_code = 0;
  auto context = open_context(kCmd, o.config_file, open_code, !o.dry_run);
  if (!context)
    return open_code;
  plan_request.local_asn = context->local_asn;
  auto snapshot = load_peeringdb(kCmd, *context);
  if (!snapshot)
    return kExitRuntime;
  auto plan = client::plan_sessions(*snapshot, plan_request);
  if (!plan) {
    Error e = plan.error();
    if (e.field.starts_with("locations["))
      e.field = "--location";
    complain(kCmd, e);
    return plan.error().code == ErrorCode::not_found ? kExitRuntime : kExitUsage;
  }
  int exit_code = 0;
  std::optional<client::Endpoint> endpoint;
  if (!o.dry_run) {
    endpoint = find_endpoint(kCmd, *context, *peer, exit_code);
    if (!endpoint)
      return exit_code;
  }

  json::object doc;
  if (endpoint)
    doc["peer"] = endpoint_json(*peer, *endpoint);
  doc["local_asn"] = context->local_asn.value();
  json::array planned;
  for (const auto& s : plan->sessions)
    planned.push_back(planned_json(s));
  doc["planned"] = std::move(planned);
  json::array notes;
  for (const auto& n : plan->notes)
    notes.emplace_back(n);
  doc["notes"] = std::move(notes);
  doc["dry_run"] = o.dry_run;

  if (!o.json) {
    if (endpoint)
      print_endpoint(*peer, *endpoint);
    std::cout << plan->sessions.size() << " session(s) planned from local PeeringDB ("
              << context->local_asn.to_string() << " -> " << peer->to_string() << ", role "
              << model::to_string(plan_request.local_role) << "/"
              << model::to_string(model::matching_role(plan_request.local_role))
              << (plan_request.secret ? ", with a session secret" : "") << "):\n";
    for (std::size_t i = 0; i < plan->sessions.size(); ++i) {
      const auto& s = plan->sessions[i];
      std::cout << "  " << std::right << std::setw(3) << i << "  " << std::left << std::setw(12)
                << s.location.to_string() << " " << family_of(s.local_ip) << "  "
                << s.local_ip.to_string() << " -> " << s.peer_ip.to_string() << "\n";
    }
    for (const auto& n : plan->notes)
      std::cout << "  note: " << n << "\n";
  }
  if (plan->sessions.empty()) {
    complain(kCmd,
             Error{ErrorCode::location_not_common, "sessions",
                   "local PeeringDB data gives no session to request from " + peer->to_string()});
    if (o.json)
      print_json(doc);
    return kExitRuntime;
  }
  if (plan->sessions.size() > 100) {
    complain(kCmd, Error{ErrorCode::too_many_items, "sessions",
                         std::to_string(plan->sessions.size()) +
                             " sessions planned; a request carries at most 100: narrow it with "
                             "--location or --family"});
    return kExitUsage;
  }
  if (o.dry_run) {
    if (o.json)
      print_json(doc);
    else
      std::cout << "dry run: nothing sent\n";
    return 0;
  }

  auto api = make_client(*context, *endpoint);
  client::CreateRequest create{.request_id = model::Uuid::v4_from_bytes(context->random.bytes16()),
                               .return_url = std::nullopt,
                               .sessions = plan->sessions};
  auto answer = api->create_sessions(create);
  if (!answer) {
    const auto& e = answer.error();
    // 400 (every session malformed) and 403 (no session ours to ask for): all refused.
    const bool all_refused =
        e.kind == client::FailureKind::http && (e.http_status == 400 || e.http_status == 403) &&
        std::any_of(e.server_errors.begin(), e.server_errors.end(),
                    [](const client::FieldError& f) { return f.name.starts_with("sessions["); });
    if (o.json) {
      doc["error"] = error_json(e);
      print_json(doc);
    }
    const int code = report(kCmd, e);
    return all_refused ? kExitAllRefused : code;
  }

  doc["request_id"] = answer->request_id.to_string();
  doc["client_request_id"] = create.request_id->to_string();
  doc["http_status"] = answer->http_status;
  json::array accepted;
  for (const auto& a : answer->accepted) {
    json::object s = api::encode_session(a.session);
    if (!a.policy_reasons.empty())
      s["policy_reasons"] = field_errors_json(a.policy_reasons);
    accepted.push_back(std::move(s));
  }
  doc["accepted"] = std::move(accepted);
  json::array rejected;
  for (const auto& r : answer->rejected) {
    json::object entry{{"fields", r.fields}, {"errors", field_errors_json(r.errors)}};
    if (r.index)
      entry["index"] = *r.index;
    rejected.push_back(std::move(entry));
  }
  doc["rejected"] = std::move(rejected);
  if (answer->contact_email)
    doc["contact_email"] = *answer->contact_email;

  if (!o.json) {
    std::cout << "request " << answer->request_id.to_string() << ": " << answer->accepted.size()
              << " accepted, " << answer->rejected.size() << " rejected\n";
    for (const auto& a : answer->accepted) {
      const auto& f = a.session.fields;
      std::cout << "  accepted " << a.session.session_id.to_string() << "  " << std::left
                << std::setw(12) << f.location.to_string() << " " << f.local_ip.to_string()
                << " -> " << f.peer_ip.to_string() << "  " << model::to_string(a.session.status)
                << "\n";
      for (const auto& reason : a.policy_reasons)
        std::cout << "      policy: " << reason.code
                  << (reason.messages.empty() ? "" : ": " + reason.messages.front()) << "\n";
    }
    for (const auto& r : answer->rejected) {
      std::string what;
      if (r.index && *r.index < plan->sessions.size()) {
        const auto& s = plan->sessions[*r.index];
        what =
            s.location.to_string() + " " + s.local_ip.to_string() + " -> " + s.peer_ip.to_string();
      }
      std::cout << "  rejected #" << (r.index ? std::to_string(*r.index) : "?") << "  " << what
                << "\n";
      for (const auto& e : r.errors)
        std::cout << "      " << (e.name.empty() ? "" : e.name + ": ") << e.code
                  << (e.messages.empty() ? "" : ": " + e.messages.front()) << "\n";
    }
    if (answer->contact_email)
      std::cout << "  contact " << *answer->contact_email << " to discuss\n";
  }

  int result = answer->accepted.empty()   ? kExitAllRefused
               : answer->rejected.empty() ? 0
                                          : kExitRuntime;
  if (o.wait && !answer->accepted.empty()) {
    std::unique_ptr<OwnRouter> own_router;
    if (context->config.router.enabled) {
      auto opened = OwnRouter::open(context->config);
      if (!opened) {
        complain(kCmd, opened.error());
        if (o.json)
          print_json(doc);
        return kExitRuntime;
      }
      own_router = std::move(*opened);
    } else if (!o.json) {
      std::cerr << "note: " << kWaitNoteNoRouter << "\n";
    }
    const OwnSide own{
        .router = own_router.get(), .peer_url = endpoint->url, .secret = plan_request.secret};
    auto waited = wait_for_sessions(*api, *context, *answer, o, own);
    json::array statuses;
    for (std::size_t i = 0; i < waited.statuses.size(); ++i) {
      const auto& [id, status] = waited.statuses[i];
      json::object entry{{"session_id", id}, {"status", model::to_string(status)}};
      if (waited.ours) {
        entry["our_status"] = model::to_string((*waited.ours)[i].second);
        if (const auto reason = waited.reasons.find(id); reason != waited.reasons.end())
          entry["our_reason"] = reason->second;
      }
      statuses.push_back(std::move(entry));
    }
    json::object wait{{"all_established", waited.all_established},
                      {"timed_out", waited.timed_out},
                      {"sessions", std::move(statuses)},
                      {"our_router", waited.ours.has_value()}};
    if (!waited.ours)
      wait["note"] = kWaitNoteNoRouter;
    if (waited.failure)
      wait["error"] = error_json(*waited.failure);
    if (waited.router_failure)
      wait["router_error"] =
          (waited.router_failure->field.empty() ? "" : waited.router_failure->field + ": ") +
          waited.router_failure->message;
    doc["wait"] = std::move(wait);
    if (!o.json) {
      for (std::size_t i = 0; i < waited.statuses.size(); ++i) {
        const auto& [id, status] = waited.statuses[i];
        std::cout << "  " << id << "  peer " << std::left << std::setw(13)
                  << model::to_string(status);
        if (waited.ours) {
          std::cout << " ours " << model::to_string((*waited.ours)[i].second);
          if (const auto reason = waited.reasons.find(id); reason != waited.reasons.end())
            std::cout << " (" << reason->second << ")";
        }
        std::cout << "\n";
      }
      if (waited.all_established)
        std::cout << "all " << waited.statuses.size() << " session(s) established"
                  << (waited.ours ? " on both sides" : "") << "\n";
      else if (waited.timed_out)
        std::cout << "timed out after " << o.timeout_s << " s: peer "
                  << status_summary(waited.statuses)
                  << (waited.ours ? "; ours " + status_summary(*waited.ours) : "") << "\n";
      else if (!waited.failure && !waited.router_failure)
        std::cout << "finished: " << status_summary(waited.statuses) << "\n";
    }
    if (waited.failure)
      report(kCmd, *waited.failure);
    if (waited.router_failure)
      complain(kCmd, *waited.router_failure);
    if (!waited.all_established && result == 0)
      result = kExitRuntime;
  }
  if (o.json)
    print_json(doc);
  return result;
}

// ---- status and delete ----------------------------------------------------------------------

/// --peer, or the only [[client.peers]] entry.
std::optional<model::Asn> peer_for(std::string_view command, const ClientCliOptions& o,
                                   const Context& context) {
  if (!o.peer.empty())
    return parse_peer(command, o.peer, "--peer");
  if (context.config.client.peers.size() == 1)
    return context.config.client.peers.front().asn;
  complain(command, Error{ErrorCode::missing_field, "--peer",
                          "name the peer whose API holds the sessions (--peer AS<n>); it can "
                          "be left out only when [client] lists exactly one [[client.peers]]"});
  return std::nullopt;
}

/// What status and delete work with: the configuration, the peer (--peer or the only
/// [[client.peers]]), its endpoint and a client for it.
struct PeerConnection {
  std::unique_ptr<Context> context;
  model::Asn peer;
  client::Endpoint endpoint;
  std::unique_ptr<client::PeerApiClient> api;
};

/// nullopt after printing why, with `exit_code` set (2 for usage, 1 for no endpoint).
std::optional<PeerConnection> connect_to_peer(std::string_view command, const ClientCliOptions& o,
                                              int& exit_code) {
  auto context = open_context(command, o.config_file, exit_code);
  if (!context)
    return std::nullopt;
  exit_code = kExitUsage;
  auto peer = peer_for(command, o, *context);
  if (!peer)
    return std::nullopt;
  auto endpoint = find_endpoint(command, *context, *peer, exit_code);
  if (!endpoint)
    return std::nullopt;
  exit_code = 0;
  auto api = make_client(*context, *endpoint);
  return PeerConnection{std::move(context), *peer, std::move(*endpoint), std::move(api)};
}

std::optional<std::vector<model::Uuid>> parse_ids(std::string_view command,
                                                  const std::vector<std::string>& texts) {
  std::vector<model::Uuid> ids;
  for (const auto& text : texts) {
    auto id = model::Uuid::parse(text, "session_id");
    if (!id) {
      complain(command, Error{id.error().code, "session_id", text + ": " + id.error().message});
      return std::nullopt;
    }
    ids.push_back(*id);
  }
  return ids;
}

void print_session_row(const model::Session& s) {
  const auto& f = s.fields;
  std::cout << s.session_id.to_string() << "  " << std::left << std::setw(13)
            << model::to_string(s.status) << " " << std::setw(12) << f.location.to_string() << " "
            << f.local_asn.to_string() << " " << f.local_ip.to_string() << " -> "
            << f.peer_asn.to_string() << " " << f.peer_ip.to_string() << "  updated "
            << util::format_rfc3339(s.updated_at_ms) << "\n";
}

int run_status(const ClientCliOptions& o) {
  constexpr std::string_view kCmd = "status";
  auto ids = parse_ids(kCmd, o.session_ids);
  if (!ids)
    return kExitUsage;
  std::optional<model::Uuid> request_id;
  if (!o.request_id.empty()) {
    auto parsed = model::Uuid::parse(o.request_id, "--request-id");
    if (!parsed) {
      complain(kCmd, parsed.error());
      return kExitUsage;
    }
    request_id = *parsed;
  }
  int exit_code = 0;
  auto connection = connect_to_peer(kCmd, o, exit_code);
  if (!connection)
    return exit_code;
  auto& [context, peer, endpoint, api] = *connection;

  std::vector<model::Session> sessions;
  json::array failures;
  if (!ids->empty()) {
    for (const auto& id : *ids) {
      auto session = api->get_session(id);
      if (session) {
        sessions.push_back(std::move(*session));
        continue;
      }
      exit_code = kExitRuntime;
      if (o.json) {
        json::object failure = error_json(session.error());
        failure["session_id"] = id.to_string();
        failures.push_back(std::move(failure));
      } else {
        report(kCmd, session.error(), id.to_string());
      }
    }
  } else {
    auto listed = api->list_sessions(
        client::SessionQuery{.asn = context->local_asn, .request_id = request_id});
    if (!listed) {
      if (o.json)
        print_json(json::object{{"peer", endpoint_json(peer, endpoint)},
                                {"error", error_json(listed.error())}});
      return report(kCmd, listed.error());
    }
    sessions = std::move(*listed);
  }
  if (o.json) {
    json::array list;
    for (const auto& s : sessions)
      list.push_back(api::encode_session(s));
    print_json(json::object{{"peer", endpoint_json(peer, endpoint)},
                            {"sessions", std::move(list)},
                            {"errors", std::move(failures)}});
    return exit_code;
  }
  print_endpoint(peer, endpoint);
  for (const auto& s : sessions)
    print_session_row(s);
  std::map<std::string_view, int> counts;
  for (const auto& s : sessions)
    ++counts[model::to_string(s.status)];
  std::string summary;
  for (const auto& [name, n] : counts)
    summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(name);
  std::cout << sessions.size() << " session(s)" << (summary.empty() ? "" : ": " + summary) << "\n";
  return exit_code;
}

int run_delete(const ClientCliOptions& o) {
  constexpr std::string_view kCmd = "delete";
  auto ids = parse_ids(kCmd, o.session_ids);
  if (!ids)
    return kExitUsage;
  int exit_code = 0;
  auto connection = connect_to_peer(kCmd, o, exit_code);
  if (!connection)
    return exit_code;
  auto& [context, peer, endpoint, api] = *connection;

  json::array deleted;
  json::array failures;
  auto failed = [&](const std::string& id, const client::ClientError& error) {
    exit_code = kExitRuntime;
    if (o.json) {
      json::object failure = error_json(error);
      failure["session_id"] = id;
      failures.push_back(std::move(failure));
    } else {
      report(kCmd, error, id);
    }
  };
  auto done = [&](const std::string& id) {
    deleted.emplace_back(id);
    if (!o.json)
      std::cout << id << ": deleted\n";
  };
  if (ids->size() == 1) {
    auto result = api->delete_session(ids->front());
    if (result)
      done(ids->front().to_string());
    else
      failed(ids->front().to_string(), result.error());
  } else {
    for (std::size_t start = 0; start < ids->size(); start += 100) {
      const std::size_t count = std::min<std::size_t>(100, ids->size() - start);
      const std::span<const model::Uuid> chunk(ids->data() + start, count);
      auto answer = api->delete_sessions(chunk);
      if (!answer) {
        for (const auto& id : chunk)
          failed(id.to_string(), answer.error());
        continue;
      }
      for (const auto& s : answer->deleted)
        done(s.session_id.to_string());
      for (const auto& e : answer->errors) {
        // "sessions[i].session_id": i indexes this chunk.
        std::string id = e.name;
        if (e.name.starts_with("sessions[")) {
          const auto close = e.name.find(']');
          const std::size_t i = std::stoul(e.name.substr(9, close - 9));
          if (i < chunk.size())
            id = chunk[i].to_string();
        }
        exit_code = kExitRuntime;
        if (o.json) {
          json::object failure = field_error_json(e);
          failure["session_id"] = id;
          failures.push_back(std::move(failure));
        } else {
          std::cerr << "peerapi delete: " << id << ": " << e.code
                    << (e.messages.empty() ? "" : ": " + e.messages.front()) << "\n";
        }
      }
    }
  }
  // Our own side of what the peer deleted leaves our router too (issue 6): the stored
  // initiator-side copies become deleted and a reconcile pass runs (or the server's does).
  json::array withdrawn;
  if (context->config.router.enabled && !deleted.empty()) {
    std::vector<model::Uuid> gone;
    for (const auto& id : deleted)
      gone.push_back(*model::Uuid::parse(id.as_string(), "session_id"));
    auto own = OwnRouter::open(context->config);
    auto count = own ? (*own)->withdraw(gone) : Result<std::size_t>(std::unexpected(own.error()));
    if (!count) {
      complain(kCmd, count.error());
      exit_code = kExitRuntime;
    } else if (!o.json) {
      std::cout << *count << " session(s) taken off our router\n";
    }
    if (count)
      withdrawn.emplace_back(static_cast<std::int64_t>(*count));
  }
  if (o.json) {
    json::object doc{{"peer", endpoint_json(peer, endpoint)},
                     {"deleted", std::move(deleted)},
                     {"errors", std::move(failures)}};
    if (!withdrawn.empty())
      doc["withdrawn_from_our_router"] = withdrawn.front();
    print_json(doc);
  }
  return exit_code;
}

}  // namespace

std::function<int()> add_client_commands(CLI::App& app, bool& chosen) {
  auto o = std::make_shared<ClientCliOptions>();
  auto mark = [&chosen] { chosen = true; };

  auto* locations = app.add_subcommand(
      "locations",
      "Where we can peer with a network: its API's locations, checked against local PeeringDB");
  locations->add_option("--config,-c", o->config_file, "TOML configuration file")->required();
  locations->add_option("peer", o->peer, "the peer's ASN, e.g. AS64500")->required();
  locations->add_flag("--json", o->json, "print one JSON document");
  locations->footer(kExitCodes);
  locations->parse_complete_callback(mark);

  auto* request = app.add_subcommand(
      "request", "Ask a network for BGP sessions at the IXs we share, built from PeeringDB");
  request->add_option("--config,-c", o->config_file, "TOML configuration file")->required();
  request->add_option("peer", o->peer, "the peer's ASN, e.g. AS64500")->required();
  request->add_option("--location", o->locations,
                      "only this IX, pdb:ix:<PeeringDB id> (repeatable; default every common IX)");
  request->add_option("--family", o->family, "only IPv4 (4) or IPv6 (6); default both")
      ->check(CLI::IsMember({4, 6}));
  request->add_option("--role", o->role,
                      "our BGP role (RFC 9234): peer (default), provider, customer, rs, "
                      "rs-client; the peer gets the matching role");
  request->add_option("--secret", o->secret, "TCP MD5/AO session secret for every session");
  request->add_flag("--dry-run", o->dry_run, "show the sessions, send nothing");
  auto* wait = request->add_flag(
      "--wait", o->wait,
      "follow the sessions' status at the peer until all are established or final (the peer's "
      "side only for now; our router is not configured yet)");
  request->add_option("--timeout", o->timeout_s, "with --wait: give up after S seconds (300)")
      ->needs(wait)
      ->check(CLI::PositiveNumber);
  request->add_option("--interval", o->interval_s, "with --wait: seconds between polls (5)")
      ->needs(wait)
      ->check(CLI::PositiveNumber)
      ->group("");
  request->add_flag("--json", o->json, "print one JSON document");
  request->footer(kExitCodes);
  request->parse_complete_callback(mark);

  auto* status = app.add_subcommand(
      "status", "Show the status of our sessions at a peer (all, one request's, or by id)");
  status->add_option("--config,-c", o->config_file, "TOML configuration file")->required();
  status->add_option("--peer", o->peer,
                     "the peer's ASN (default: the only [[client.peers]] entry)");
  auto* by_request =
      status->add_option("--request-id", o->request_id, "the sessions of one request");
  status->add_option("session_ids", o->session_ids, "session ids")->excludes(by_request);
  status->add_flag("--json", o->json, "print one JSON document");
  status->footer(kExitCodes);
  status->parse_complete_callback(mark);

  auto* remove = app.add_subcommand("delete", "Delete our sessions at a peer");
  remove->add_option("--config,-c", o->config_file, "TOML configuration file")->required();
  remove->add_option("--peer", o->peer,
                     "the peer's ASN (default: the only [[client.peers]] entry)");
  remove->add_option("session_ids", o->session_ids, "session ids")->required();
  remove->add_flag("--json", o->json, "print one JSON document");
  remove->footer(kExitCodes);
  remove->parse_complete_callback(mark);

  auto [token, run_token] = add_token_command(app, mark);
  auto [autopeer, run_autopeer] = add_autopeer_command(app, mark);

  return [o, locations, request, status, remove, token = token, run_token = run_token,
          autopeer = autopeer, run_autopeer = run_autopeer]() -> int {
    if (*locations)
      return run_locations(*o);
    if (*request)
      return run_request(*o);
    if (*status)
      return run_status(*o);
    if (*remove)
      return run_delete(*o);
    if (*token)
      return run_token();
    if (*autopeer)
      return run_autopeer();
    return kExitUsage;
  };
}

}  // namespace peerapi::cli
