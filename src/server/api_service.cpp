#include "server/api_service.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>
#include <set>

#include "api/codec.hpp"
#include "policy/builtin_checks.hpp"
#include "server/admission.hpp"
#include "server/metrics.hpp"
#include "server/registration_endpoint.hpp"
#include "server/responses.hpp"
#include "util/crypto.hpp"

namespace peerapi::api {
std::string_view openapi_document();  // generated from src/api/openapi.yaml
}

namespace peerapi::server {

namespace json = boost::json;
using model::Asn;
using model::Uuid;

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 100;

/// A store failure is our fault, not the caller's: 503 with a retryable message, details logged
/// by the caller of handle().
HttpResponse store_unavailable(const Error& error) {
  HttpResponse response = error_response(
      503, Error{ErrorCode::unavailable, "", "the session store is unavailable; retry later"});
  response.headers.emplace_back("Retry-After", "1");
  spdlog::error("store: {}", error.message);
  return response;
}

HttpResponse not_found(std::string what) {
  return error_response(404, Error{ErrorCode::not_found, "", std::move(what)});
}

HttpResponse method_not_allowed(std::string_view allow) {
  HttpResponse response =
      error_response(405, Error{ErrorCode::method_not_allowed, "",
                                "method not allowed here; allowed: " + std::string(allow)});
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

/// Query parameters, each at most once, only from an allowed set.
class Query {
 public:
  static Result<Query> parse(const boost::urls::url_view& url,
                             std::initializer_list<std::string_view> allowed) {
    Query query;
    for (auto param : url.params()) {
      const std::string key = param.key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string known;
        for (auto a : allowed)
          known += (known.empty() ? "" : ", ") + std::string(a);
        return fail(ErrorCode::unknown_field, key.substr(0, 64),
                    "unknown query parameter \"" + key.substr(0, 64) + "\" (known: " + known + ")");
      }
      if (!query.values_.emplace(key, param.value).second) {
        return fail(ErrorCode::invalid_value, key, "query parameter " + key + " is given twice");
      }
    }
    return query;
  }

  [[nodiscard]] const std::string* get(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }

  Result<Asn> asn(const std::string& key, std::string_view meaning) const {
    const std::string* text = get(key);
    if (text == nullptr) {
      return fail(ErrorCode::missing_field, key,
                  "query parameter " + key + " is required (" + std::string(meaning) + ")");
    }
    return Asn::parse(*text, key);
  }

  Result<int> page_size() const {
    const std::string* text = get("max_results");
    if (text == nullptr)
      return kDefaultPageSize;
    int value = 0;
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size() || value < 1 ||
        value > kMaxPageSize) {
      return fail(ErrorCode::out_of_range, "max_results",
                  "max_results must be an integer from 1 to " + std::to_string(kMaxPageSize));
    }
    return value;
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

/// A location's sort key: public (IX) before private (facility), then by PeeringDB id.
std::int64_t location_key(const model::LocationId& id) {
  return (id.type() == model::LocationType::public_peering ? 0 : (std::int64_t{1} << 32)) +
         id.peeringdb_id();
}

json::object rejected_entry(const api::DecodedSession& decoded, const std::vector<Error>& reasons) {
  json::object entry = decoded.echo;
  json::array errors;
  for (const auto& reason : reasons)
    errors.push_back(api::encode_field_error(reason));
  entry["errors"] = std::move(errors);
  return entry;
}

/// The limits.allowed_senders group of a request target, from its route template
/// (server/metrics.hpp endpoint_of, the one classifier of paths); anything else, unknown paths
/// too, is api.
EndpointGroup endpoint_group(std::string_view target, std::string_view base) {
  const std::string_view endpoint = endpoint_of(target, base);
  if (endpoint == "/healthz" || endpoint == "/readyz" || endpoint == "/openapi.yaml")
    return EndpointGroup::health;
  if (endpoint == "/metrics")
    return EndpointGroup::metrics;
  if (endpoint == "/oauth/client_register")
    return EndpointGroup::registration;
  return EndpointGroup::api;
}

/// 403 for a sender outside limits.allowed_senders; 429 with Retry-After (RFC 6585 section 4,
/// RFC 9110 section 10.2.3) for a rate limit.
HttpResponse refusal_response(const Refusal& refusal) {
  if (refusal.scope == Refusal::Scope::sender)
    return error_response(403, Error{ErrorCode::forbidden, "", refusal.message});
  HttpResponse response = error_response(429, Error{ErrorCode::rate_limited, "", refusal.message});
  response.headers.emplace_back("Retry-After", std::to_string(refusal.retry_after_seconds));
  return response;
}

/// Allowed senders, then the source address's bucket (the health group is exempt from it):
/// before routing and authentication, so refused callers cost no more than this.
std::optional<Refusal> admit_request(Admission& admission, const HttpRequest& request,
                                     std::string_view base_path) {
  std::string forwarded_for;
  for (const auto& [name, value] : request.fields) {
    if (util::iequals(name, "X-Forwarded-For"))
      forwarded_for += (forwarded_for.empty() ? "" : ",") + value;
  }
  const auto source = admission.source_address(request.remote_address, forwarded_for);
  const EndpointGroup group = endpoint_group(request.target, base_path);
  if (auto refused = admission.admit_sender(group, source))
    return refused;
  if (group == EndpointGroup::health)
    return std::nullopt;
  return admission.admit_address(source);
}

}  // namespace

ApiService::ApiService(ApiDependencies deps)
    : deps_(std::move(deps)), cursors_(deps_.pagination_key) {
  for (const std::string& name : deps_.config.auth.proof_algorithms)
    proof_algorithm_names_ += (proof_algorithm_names_.empty() ? "" : " ") + name;
}

HttpResponse ApiService::handle(const HttpRequest& request) {
  if (deps_.admission != nullptr) {
    if (auto refused = admit_request(*deps_.admission, request, deps_.config.server.base_path))
      return refusal_response(*refused);
  }
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) {
    return error_response(400, Error{ErrorCode::invalid_value, "",
                                     "the request target is not a valid URL path and query"});
  }
  const std::string_view base = deps_.config.server.base_path;
  std::string_view path = url->encoded_path();
  if (!path.starts_with(base)) {
    if (path.size() + 1 == base.size() && base.starts_with(path)) {
      path = "";
    } else {
      return not_found("no such endpoint; the Peering API is served under " + std::string(base));
    }
  } else {
    path.remove_prefix(base.size());
  }
  const std::string& method = request.method;

  // Public operational endpoints.
  if (path == "healthz") {
    if (method != "GET" && method != "HEAD")
      return method_not_allowed("GET, HEAD");
    return json_response(200, R"({"status":"ok"})");
  }
  if (path == "readyz") {
    if (method != "GET" && method != "HEAD")
      return method_not_allowed("GET, HEAD");
    return readiness();
  }
  // Prometheus text exposition, unauthenticated by convention (limits.allowed_senders).
  if (path == "metrics") {
    if (!metrics_exporter_)
      return not_found("metrics are not enabled on this server");
    if (method != "GET" && method != "HEAD")
      return method_not_allowed("GET, HEAD");
    HttpResponse response;
    response.content_type = std::string(kMetricsContentType);
    response.body = metrics_exporter_();
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }
  if (path == "openapi.yaml") {
    if (method != "GET" && method != "HEAD")
      return method_not_allowed("GET, HEAD");
    HttpResponse response;
    response.content_type = "application/yaml";
    response.body = std::string(api::openapi_document());
    return response;
  }

  // RPKI-attested IdP registration (draft "OAuth with RPKI Attested OAuth"): called before the
  // client has a token, so unauthenticated; it only ever fetches URLs of attested IdPs.
  if (path == "oauth/client_register") {
    if (deps_.registration == nullptr) {
      return not_found(
          "client registration is not enabled on this server (no attested identity providers)");
    }
    if (method != "POST")
      return method_not_allowed("POST");
    return audited(request, AuditCall{"client_register", nullptr, nullptr, {}},
                   handle_client_register(request, *deps_.registration));
  }

  // Resolve the route before authenticating, so that unknown paths are 404 for everyone.
  enum class Route { locations, sessions, session } route;
  std::string session_id;
  if (path == "locations") {
    route = Route::locations;
    if (method != "GET")
      return method_not_allowed("GET");
  } else if (path == "sessions") {
    route = Route::sessions;
    if (method != "GET" && method != "POST" && method != "DELETE") {
      return method_not_allowed("GET, POST, DELETE");
    }
  } else if (path.starts_with("sessions/") && path.size() > 9 &&
             path.find('/', 9) == std::string_view::npos) {
    route = Route::session;
    session_id = std::string(path.substr(9));
    if (method != "GET" && method != "DELETE")
      return method_not_allowed("GET, DELETE");
  } else {
    return not_found("no such endpoint: " + std::string(path.substr(0, 100)));
  }

  // State-changing calls go to the audit log (server/audit_recorder.hpp); reads do not.
  const std::string_view action = method == "POST"          ? "create_sessions"
                                  : method != "DELETE"      ? ""
                                  : route == Route::session ? "delete_session"
                                                            : "delete_sessions";
  const auth::RequestView view{.method = request.method,
                               .target = request.target,
                               .origin = deps_.public_origin,
                               .authorization = request.header("Authorization"),
                               .body = request.body,
                               .fields = &request.fields};
  auto principal = deps_.authenticator.authenticate(view);
  if (!principal)
    return audited(request, AuditCall{action, nullptr, &principal.error(), {}},
                   authentication_failure(principal.error()));
  // Every ASN the caller acts for pays (docs/security.md); unauthenticated calls paid above.
  if (deps_.admission != nullptr) {
    if (auto refused = deps_.admission->admit_asns(principal->asns))
      return audited(request, AuditCall{action, &*principal, nullptr, {}},
                     refusal_response(*refused));
  }

  switch (route) {
    case Route::locations:
      return list_locations(request, *principal);
    case Route::sessions:
      if (method == "POST") {
        AuditCall call{action, &*principal, nullptr, {}};
        HttpResponse response = create_sessions(request, *principal, call);
        return audited(request, call, std::move(response));
      }
      if (method == "DELETE")
        return audited(request, AuditCall{action, &*principal, nullptr, {}},
                       delete_sessions(request, *principal));
      return list_sessions(request, *principal);
    case Route::session:
      if (method == "DELETE") {
        AuditCall call{action, &*principal, nullptr, session_id};
        HttpResponse response = delete_session(request, session_id, *principal, call);
        return audited(request, call, std::move(response));
      }
      return get_session(session_id, *principal);
  }
  return not_found("no such endpoint");
}

namespace {
/// A quoted-string for an auth-param (RFC 9110 section 5.6.4): no quotes, backslashes or
/// control characters survive from a description.
std::string quoted_param(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, 300)) {
    if (c == '"')
      out += '\'';
    else if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += ' ';
    else
      out += c;
  }
  return out + "\"";
}
}  // namespace

// RFC 6750 section 3 (Bearer), RFC 9449 section 7.1 (DPoP) challenges; RFC 9421 section 5.1
// Accept-Signature when a signature is what is missing.
HttpResponse ApiService::authentication_failure(const auth::AuthError& e) const {
  using auth::AuthFailure;
  if (e.failure == AuthFailure::unavailable) {
    HttpResponse response =
        error_response(503, Error{ErrorCode::unavailable, e.field,
                                  "authentication could not be completed: " + e.description});
    response.headers.emplace_back("Retry-After", "5");
    return response;
  }
  std::string challenge = e.scheme + " realm=\"peerapi\"";
  if (e.scheme == "DPoP")
    challenge += ", algs=\"" + proof_algorithm_names_ + "\"";
  int status = 401;
  std::string_view code;
  switch (e.failure) {
    case AuthFailure::no_credentials:
      break;
    case AuthFailure::invalid_request:
      code = "invalid_request";
      status = 400;
      break;
    case AuthFailure::invalid_token:
      code = "invalid_token";
      break;
    case AuthFailure::invalid_dpop_proof:
      code = "invalid_dpop_proof";
      break;
    case AuthFailure::use_dpop_nonce:
      code = "use_dpop_nonce";
      break;
    case AuthFailure::invalid_signature:
      code = "invalid_request";
      break;
    case AuthFailure::unavailable:
      break;
  }
  if (!code.empty())
    challenge +=
        ", error=\"" + std::string(code) + "\", error_description=" + quoted_param(e.description);
  HttpResponse response =
      error_response(status, Error{ErrorCode::unauthenticated, e.field, e.description});
  response.headers.emplace_back("WWW-Authenticate", std::move(challenge));
  if (e.dpop_nonce)
    response.headers.emplace_back("DPoP-Nonce", *e.dpop_nonce);
  if (e.failure == AuthFailure::invalid_signature) {
    response.headers.emplace_back(
        "Accept-Signature",
        R"(sig1=("@method" "@target-uri" "authorization" "content-digest");created)");
  }
  return response;
}

HttpResponse ApiService::audited(const HttpRequest& request, const AuditCall& call,
                                 HttpResponse response) {
  if (!call.action.empty() && !call.stored_with_write)
    audit_.record(request, call, response);
  return response;
}

HttpResponse ApiService::readiness() {
  const auto snapshot = deps_.peeringdb.get();
  return readiness_.answer(deps_.store.ping(), snapshot.get(), deps_.clock.now_ms());
}

HttpResponse ApiService::create_sessions(const HttpRequest& request,
                                         const auth::Principal& principal, AuditCall& call) {
  if (!is_json_content_type(request.header("Content-Type"))) {
    return error_response(415, Error{ErrorCode::unsupported_media_type, "Content-Type",
                                     "the body must be sent as Content-Type: application/json"});
  }
  const auto& server_config = deps_.config.server;
  api::DecodeLimits limits{
      .max_sessions = static_cast<std::size_t>(server_config.max_sessions_per_request),
      .max_depth = server_config.max_json_depth};
  auto body = api::decode_create_sessions(request.body, limits);
  if (!body)
    return from_error(body.error());

  // Every reason per session: decoding problems, then the built-in checks.
  const std::size_t count = body->sessions.size();
  std::vector<const model::SessionRequest*> decoded(count, nullptr);
  for (std::size_t i = 0; i < count; ++i) {
    if (body->sessions[i].request)
      decoded[i] = &*body->sessions[i].request;
  }
  auto snapshot = deps_.peeringdb.get();
  const policy::CheckContext context{.server_asns = deps_.config.network.asns,
                                     .caller_asns = principal.asns,
                                     .peeringdb = *snapshot};
  auto checks = policy::check_sessions(decoded, context);
  std::vector<std::vector<Error>> reasons(count);
  for (std::size_t i = 0; i < count; ++i) {
    reasons[i] = std::move(body->sessions[i].errors);
    const std::string prefix = "sessions[" + std::to_string(i) + "]";
    for (const auto& e : checks[i])
      reasons[i].push_back(e.under(prefix));
  }

  // The operator's policy over the sessions that passed the built-in checks.
  std::vector<const model::SessionRequest*> checked(count, nullptr);
  for (std::size_t i = 0; i < count; ++i) {
    if (reasons[i].empty())
      checked[i] = decoded[i];
  }
  auto facts = requester_facts(checked, *snapshot);
  if (!facts)
    return store_unavailable(facts.error());
  const auto decisions = policy::evaluate(checked, deps_.config.policy, *facts);
  for (std::size_t i = 0; i < count; ++i) {
    if (decisions[i].verdict != policy::Verdict::reject)
      continue;
    const std::string prefix = "sessions[" + std::to_string(i) + "]";
    for (const auto& reason : decisions[i].reasons) {
      if (reason.effect == policy::Verdict::reject)
        reasons[i].push_back(reason.error.under(prefix));
    }
  }

  const std::int64_t now = deps_.clock.now_ms();
  const Uuid request_id = Uuid::v7_from(now, deps_.random.bytes16());
  const auto approved_status = deps_.config.approval.mode == config::ApprovalMode::manual
                                   ? model::SessionStatus::pending
                                   : model::SessionStatus::approved;
  store::RequestDraft draft{.request_id = request_id,
                            .client_request_id = body->client_request_id,
                            .subject = principal.subject,
                            .body_hash = util::sha256_hex(request.body),
                            .return_url = body->return_url,
                            .now_ms = now,
                            .candidates = {},
                            .creation_notes = {},
                            .audit = {}};
  std::vector<std::size_t> candidate_index;  // candidates[k] is sessions[candidate_index[k]]
  for (std::size_t i = 0; i < count; ++i) {
    if (!reasons[i].empty())
      continue;
    candidate_index.push_back(i);
    const bool held = decisions[i].verdict == policy::Verdict::review;
    draft.candidates.push_back(
        model::Session{.session_id = Uuid::v7_from(now, deps_.random.bytes16()),
                       .request_id = request_id,
                       .fields = *body->sessions[i].request,
                       .status = held ? model::SessionStatus::pending : approved_status,
                       .created_at_ms = now,
                       .updated_at_ms = now});
    draft.creation_notes.push_back(decision_note(decisions[i]));
  }

  // limits.max_pending_per_requester: a session that would wait as pending beyond the cap is
  // rejected (pending_cap). The store counts inside the request's transaction, so concurrent
  // requests of one requester cannot pass the cap together.
  if (deps_.admission != nullptr)
    draft.max_pending_per_local_asn = deps_.admission->max_pending_per_requester();

  // Nothing acceptable and the cause is the request itself: answer without storing anything.
  if (draft.candidates.empty()) {
    bool malformed = false;
    bool all_unauthorized = true;
    for (const auto& list : reasons) {
      bool unauthorized = false;
      for (const auto& e : list) {
        malformed = malformed || api::is_malformed(e.code);
        unauthorized = unauthorized || e.code == ErrorCode::asn_not_authorized;
      }
      all_unauthorized = all_unauthorized && unauthorized;
    }
    if (malformed || all_unauthorized) {
      std::vector<Error> flat;
      for (const auto& list : reasons)
        flat.insert(flat.end(), list.begin(), list.end());
      return json_response(malformed ? 400 : 403, api::encode_error_body(flat));
    }
  }

  const std::string contact = deps_.config.network.contact_email;
  // What the answer says, as values for the audit entry (settle_audit_entry).
  std::vector<std::string> audit_session_ids;
  std::vector<Error> audit_reasons;
  std::size_t audit_refused = 0;
  std::size_t over_pending_cap = 0;
  auto finish = [&](const store::CandidateChecks& found) {
    // A PostgreSQL store runs this again when it retries the transaction (deadlock, reconnect):
    // every output starts afresh, and the decode/policy reasons are copied, never appended to.
    audit_session_ids.clear();
    over_pending_cap = 0;
    std::vector<std::vector<Error>> answered_reasons = reasons;
    json::array accepted;
    json::array rejected;
    std::vector<Error> flat;
    std::size_t next_candidate = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const bool is_candidate =
          next_candidate < candidate_index.size() && candidate_index[next_candidate] == i;
      if (is_candidate) {
        const std::size_t k = next_candidate++;
        if (!found.duplicate[k] && !found.over_pending_cap[k]) {
          audit_session_ids.push_back(draft.candidates[k].session_id.to_string());
          json::object session = api::encode_session(draft.candidates[k]);
          const auto& decided = decisions[i].reasons;
          if (!decided.empty()) {
            json::array notes;
            for (const auto& reason : decided)
              notes.push_back(api::encode_field_error(reason.error));
            session["policy_reasons"] = std::move(notes);
          }
          accepted.push_back(std::move(session));
          continue;
        }
        if (found.duplicate[k]) {
          answered_reasons[i].push_back(
              Error{ErrorCode::duplicate_session, "sessions[" + std::to_string(i) + "]",
                    "a live session with the same ASNs, addresses and location "
                    "already exists; GET /sessions lists it"});
        } else {
          ++over_pending_cap;
          const model::Session& candidate = draft.candidates[k];
          answered_reasons[i].push_back(Error{
              ErrorCode::pending_cap, "sessions[" + std::to_string(i) + "]",
              candidate.fields.local_asn.to_string() + " already has " +
                  std::to_string(draft.max_pending_per_local_asn) +
                  " sessions pending review (this request's included); this server holds at "
                  "most " +
                  std::to_string(draft.max_pending_per_local_asn) +
                  " per requester (limits.max_pending_per_requester); ask again once some are "
                  "decided"});
        }
      }
      rejected.push_back(rejected_entry(body->sessions[i], answered_reasons[i]));
      flat.insert(flat.end(), answered_reasons[i].begin(), answered_reasons[i].end());
    }
    json::object answer;
    answer["request_id"] = request_id.to_string();
    if (body->client_request_id)
      answer["client_request_id"] = body->client_request_id->to_string();
    const bool none_accepted = accepted.empty();
    audit_refused = rejected.size();
    answer["sessions"] = std::move(accepted);
    answer["rejected"] = std::move(rejected);
    if (none_accepted) {
      flat.push_back(
          Error{ErrorCode::all_rejected, "sessions",
                "no session could be accepted; contact " + contact + " if you need help"});
      json::array errors;
      for (const auto& e : flat)
        errors.push_back(api::encode_field_error(e));
      answer["errors"] = std::move(errors);
      answer["contact_email"] = contact;
    }
    audit_reasons = std::move(flat);
    return store::StoredAnswer{none_accepted ? 422 : 200, json::serialize(answer)};
  };
  // The entry goes into the request's transaction: both are durable, or neither.
  draft.audit = [&](const store::StoredAnswer& answer) {
    store::AuditEntry entry = audit_.start(request, call);
    entry.request_id = request_id.to_string();
    if (body->client_request_id)
      entry.client_request_id = body->client_request_id->to_string();
    entry.session_ids = audit_session_ids;
    settle_audit_entry(entry, answer.http_status, audit_session_ids.size(), audit_refused,
                       audit_reasons);
    return entry;
  };

  auto outcome = deps_.store.create_request(draft, finish);
  if (outcome && outcome->audit_id) {
    call.stored_with_write = true;
    audit_.stored_with_write();
  }
  if (outcome && outcome->kind == store::CreateOutcome::Kind::created &&
      deps_.admission != nullptr) {
    for (std::size_t n = 0; n < over_pending_cap; ++n)
      deps_.admission->note_pending_refusal();
  }
  if (!outcome) {
    if (outcome.error().code == ErrorCode::duplicate_session) {
      return error_response(409, Error{ErrorCode::duplicate_session, "sessions",
                                       "a session of this request was created concurrently by "
                                       "another request; retry to see the current state"});
    }
    return store_unavailable(outcome.error());
  }
  if (outcome->kind == store::CreateOutcome::Kind::conflict) {
    return error_response(409, Error{ErrorCode::request_id_conflict, "request_id",
                                     "request_id " + body->client_request_id->to_string() +
                                         " was already used with a different body"});
  }
  if (outcome->kind == store::CreateOutcome::Kind::created) {
    sessions_changed();
    if (decision_listener_) {
      for (std::size_t i = 0; i < count; ++i) {
        if (decisions[i].verdict == policy::Verdict::reject || reasons[i].empty()) {
          decision_listener_(decisions[i]);
          continue;
        }
        policy::Decision refused{.verdict = policy::Verdict::reject, .reasons = {}};
        for (const Error& e : reasons[i])
          refused.reasons.push_back(policy::Reason{.effect = policy::Verdict::reject, .error = e});
        decision_listener_(refused);
      }
    }
    if (return_url_listener_ && body->return_url && outcome->answer.http_status == 200 &&
        !candidate_index.empty()) {
      ReturnUrlRequest proposal{
          .request_id = request_id,
          .requester = body->sessions[candidate_index.front()].request->local_asn,
          .return_url = *body->return_url,
          .requested = {}};
      for (const auto& item : body->sessions) {
        if (item.request)
          proposal.requested.push_back(*item.request);
      }
      return_url_listener_(std::move(proposal));
    }
  }
  return json_response(outcome->answer.http_status, outcome->answer.body);
}

Result<std::vector<policy::RequesterFacts>> ApiService::requester_facts(
    std::span<const model::SessionRequest* const> sessions,
    const sources::peeringdb::Snapshot& snapshot) {
  std::vector<policy::RequesterFacts> out;
  for (const model::SessionRequest* session : sessions) {
    if (session == nullptr)
      continue;
    const model::Asn asn = session->local_asn;
    if (std::ranges::any_of(out, [&](const policy::RequesterFacts& f) { return f.asn == asn; }))
      continue;
    policy::RequesterFacts facts(asn);
    facts.network = snapshot.network_by_asn(asn);
    const policy::Rules& rules = deps_.config.policy;
    if (rules.max_sessions_per_location || rules.max_sessions_total ||
        std::ranges::any_of(rules.locations, [](const auto& l) {
          return l.second.max_sessions_per_location.has_value();
        })) {
      auto counts = deps_.store.live_session_counts(asn);
      if (!counts)
        return std::unexpected(counts.error());
      facts.live_sessions_by_location = std::move(*counts);
      for (const auto& [location, n] : facts.live_sessions_by_location)
        facts.live_sessions_total += n;
    }
    if (rules.needs_irr() && deps_.routing != nullptr) {
      auto irr = deps_.routing->irr_facts(asn, facts.network);
      if (irr)
        facts.irr = std::move(*irr);
      else
        facts.irr_error = irr.error().message;
    } else if (rules.needs_irr()) {
      facts.irr_error = "no IRR source is configured";
    }
    out.push_back(std::move(facts));
  }
  return out;
}

std::string ApiService::decision_note(const policy::Decision& decision) {
  std::string note = "policy ";
  note += policy::to_string(decision.verdict);
  for (const auto& reason : decision.reasons) {
    note += "; ";
    note += to_string(reason.error.code);
    note += ": ";
    note += reason.error.message;
  }
  return note;
}

HttpResponse ApiService::list_sessions(const HttpRequest& request,
                                       const auth::Principal& principal) {
  auto url = boost::urls::parse_origin_form(request.target);
  auto query = Query::parse(*url, {"asn", "request_id", "max_results", "next_token"});
  if (!query)
    return from_error(query.error());
  auto asn = query->asn("asn", "your ASN, the requesting network");
  if (!asn)
    return from_error(asn.error());
  if (!principal.may_act_for(*asn)) {
    return error_response(403, Error{ErrorCode::asn_not_authorized, "asn",
                                     "your credentials may not act for " + asn->to_string()});
  }
  std::optional<Uuid> request_id;
  if (const std::string* text = query->get("request_id")) {
    auto parsed = Uuid::parse(*text, "request_id");
    if (!parsed)
      return from_error(parsed.error());
    request_id = *parsed;
  }
  auto limit = query->page_size();
  if (!limit)
    return from_error(limit.error());
  const std::string scope = "sessions|" + std::to_string(asn->value()) + "|" +
                            (request_id ? request_id->to_string() : std::string());
  std::optional<std::int64_t> after;
  if (const std::string* token = query->get("next_token")) {
    auto position = cursors_.decode(scope, *token);
    if (!position)
      return from_error(position.error());
    after = *position;
  }
  auto page = deps_.store.list_sessions(*asn, request_id, after, *limit);
  if (!page)
    return store_unavailable(page.error());
  json::array sessions;
  sessions.reserve(page->sessions.size());
  for (const auto& s : page->sessions)
    sessions.push_back(api::encode_session(s));
  json::object body{{"sessions", std::move(sessions)}};
  if (page->next_after)
    body["next_token"] = cursors_.encode(scope, *page->next_after);
  return json_response(200, json::serialize(body));
}

namespace {

/// The "router" member of GET /sessions/{id} (docs/wire.md): the server's router's view.
json::object encode_router_record(const store::RouterRecord& record) {
  json::object out;
  out["on_router"] = record.on_router;
  if (!record.bgp_state.empty())
    out["bgp_state"] = record.bgp_state;
  if (!record.last_error.empty())
    out["last_error"] = record.last_error;
  if (record.configured_at_ms)
    out["configured_at"] = util::format_rfc3339(*record.configured_at_ms);
  if (record.established_at_ms)
    out["established_at"] = util::format_rfc3339(*record.established_at_ms);
  if (record.down_at_ms)
    out["down_at"] = util::format_rfc3339(*record.down_at_ms);
  out["flaps"] = record.flaps;
  if (record.prefixes_received)
    out["prefixes_received"] = *record.prefixes_received;
  if (record.prefixes_accepted)
    out["prefixes_accepted"] = *record.prefixes_accepted;
  if (record.observed_at_ms > 0)
    out["observed_at"] = util::format_rfc3339(record.observed_at_ms);
  return out;
}

}  // namespace

HttpResponse ApiService::get_session(const std::string& id, const auth::Principal& principal) {
  auto session_id = Uuid::parse(id, "session_id");
  if (!session_id)
    return from_error(session_id.error());
  auto session = deps_.store.get_session(*session_id);
  if (!session)
    return store_unavailable(session.error());
  // Another network's session is indistinguishable from a missing one (docs/wire.md).
  if (!*session || !principal.may_act_for((*session)->fields.local_asn)) {
    return not_found("no session " + session_id->to_string() + " visible to you");
  }
  json::object body = api::encode_session(**session);
  // What the router says about it (issue 6): why a configured session is not up, for example.
  auto record = deps_.store.router_record(*session_id);
  if (!record)
    return store_unavailable(record.error());
  if (*record)
    body["router"] = encode_router_record(**record);
  return json_response(200, json::serialize(body));
}

namespace {
constexpr model::SessionStatus kDeletable[] = {
    model::SessionStatus::pending,      model::SessionStatus::approved,
    model::SessionStatus::rejected,     model::SessionStatus::configured,
    model::SessionStatus::established,  model::SessionStatus::down,
    model::SessionStatus::unestablished};
}  // namespace

HttpResponse ApiService::delete_session(const HttpRequest& request, const std::string& id,
                                        const auth::Principal& principal, AuditCall& call) {
  auto session_id = Uuid::parse(id, "session_id");
  if (!session_id)
    return from_error(session_id.error());
  auto session = deps_.store.get_session(*session_id);
  if (!session)
    return store_unavailable(session.error());
  if (!*session || !principal.may_act_for((*session)->fields.local_asn)) {
    return not_found("no session " + session_id->to_string() + " visible to you");
  }
  // The answer is 204 whether this call or an earlier one deleted it (idempotent); when this
  // one does, the entry goes into the transition's transaction.
  constexpr int kDeleted = 204;
  store::AuditEntry entry = audit_.start(request, call);
  settle_audit_entry(entry, kDeleted, 1, 0, {});
  auto moved = deps_.store.transition(*session_id, kDeletable, model::SessionStatus::deleted,
                                      principal.subject, "deleted by the initiator",
                                      deps_.clock.now_ms(), &entry);
  if (!moved)
    return store_unavailable(moved.error());
  if (*moved) {
    call.stored_with_write = true;
    audit_.stored_with_write();
    sessions_changed();
  }
  HttpResponse response;
  response.status = kDeleted;
  response.content_type.clear();
  return response;
}

HttpResponse ApiService::delete_sessions(const HttpRequest& request,
                                         const auth::Principal& principal) {
  if (!is_json_content_type(request.header("Content-Type"))) {
    return error_response(415, Error{ErrorCode::unsupported_media_type, "Content-Type",
                                     "the body must be sent as Content-Type: application/json"});
  }
  api::DecodeLimits limits{
      .max_sessions = static_cast<std::size_t>(deps_.config.server.max_sessions_per_request),
      .max_depth = deps_.config.server.max_json_depth};
  auto items = api::decode_delete_sessions(request.body, limits);
  if (!items)
    return from_error(items.error());
  json::array deleted;
  json::array errors;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    if (item.error) {
      errors.push_back(api::encode_field_error(*item.error));
      continue;
    }
    const std::string field = "sessions[" + std::to_string(i) + "].session_id";
    auto session = deps_.store.get_session(*item.session_id);
    if (!session)
      return store_unavailable(session.error());
    if (!*session || !principal.may_act_for((*session)->fields.local_asn)) {
      errors.push_back(api::encode_field_error(
          Error{ErrorCode::not_found, field,
                "no session " + item.session_id->to_string() + " visible to you"}));
      continue;
    }
    auto moved = deps_.store.transition(*item.session_id, kDeletable, model::SessionStatus::deleted,
                                        principal.subject, "deleted by the initiator (batch)",
                                        deps_.clock.now_ms());
    if (!moved)
      return store_unavailable(moved.error());
    if (*moved) {
      deleted.push_back(api::encode_session(**moved));
    } else {
      // Already deleted: report its current state.
      auto current = deps_.store.get_session(*item.session_id);
      if (!current)
        return store_unavailable(current.error());
      if (*current)
        deleted.push_back(api::encode_session(**current));
    }
  }
  if (!deleted.empty())
    sessions_changed();
  json::object body{{"sessions", std::move(deleted)}, {"errors", std::move(errors)}};
  return json_response(200, json::serialize(body));
}

HttpResponse ApiService::list_locations(const HttpRequest& request,
                                        const auth::Principal& principal) {
  auto url = boost::urls::parse_origin_form(request.target);
  auto query = Query::parse(*url, {"asn", "location_type", "max_results", "next_token"});
  if (!query)
    return from_error(query.error());
  auto server_asn = query->asn("asn", "this server's ASN, the network you want to peer with");
  if (!server_asn)
    return from_error(server_asn.error());
  const auto& ours = deps_.config.network.asns;
  if (std::find(ours.begin(), ours.end(), *server_asn) == ours.end()) {
    return error_response(400, Error{ErrorCode::not_server_asn, "asn",
                                     server_asn->to_string() + " is not served here"});
  }
  std::optional<model::LocationType> type_filter;
  if (const std::string* text = query->get("location_type")) {
    auto type = model::parse_location_type(*text, "location_type");
    if (!type)
      return from_error(type.error());
    type_filter = *type;
  }
  auto limit = query->page_size();
  if (!limit)
    return from_error(limit.error());
  std::string scope = "locations|" + std::to_string(server_asn->value()) + "|" +
                      (type_filter ? std::string(model::to_string(*type_filter)) : "");
  for (const auto& a : principal.asns)
    scope += "|" + std::to_string(a.value());
  std::optional<std::int64_t> after;
  if (const std::string* token = query->get("next_token")) {
    auto position = cursors_.decode(scope, *token);
    if (!position)
      return from_error(position.error());
    after = *position;
  }

  auto snapshot = deps_.peeringdb.get();
  const auto& pdb = *snapshot;
  std::set<model::LocationId> common;
  auto server_ix = pdb.exchanges_of(*server_asn);
  auto server_fac = pdb.facilities_of(*server_asn);
  for (const auto& caller : principal.asns) {
    if (!type_filter || *type_filter == model::LocationType::public_peering) {
      for (auto id : pdb.exchanges_of(caller)) {
        if (std::binary_search(server_ix.begin(), server_ix.end(), id))
          common.insert(model::LocationId::ix(id));
      }
    }
    if (!type_filter || *type_filter == model::LocationType::private_peering) {
      for (auto id : pdb.facilities_of(caller)) {
        if (std::binary_search(server_fac.begin(), server_fac.end(), id))
          common.insert(model::LocationId::fac(id));
      }
    }
  }
  std::vector<model::LocationId> ordered(common.begin(), common.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return location_key(a) < location_key(b); });

  json::array locations;
  std::optional<std::int64_t> last_key;
  bool more = false;
  for (const auto& id : ordered) {
    const std::int64_t key = location_key(id);
    if (after && key <= *after)
      continue;
    if (static_cast<int>(locations.size()) == *limit) {
      more = true;
      break;
    }
    json::object item{{"id", id.to_string()}, {"type", model::to_string(id.type())}};
    if (id.type() == model::LocationType::public_peering) {
      const auto* ix = pdb.exchange(id.peeringdb_id());
      item["name"] = ix->name;
      item["city"] = ix->city;
      item["country"] = ix->country;
      auto addresses = [&](Asn asn, json::array& into) {
        for (const auto* port : pdb.ports(asn, id.peeringdb_id())) {
          if (port->ipaddr4)
            into.push_back(json::string(port->ipaddr4->to_string()));
          if (port->ipaddr6)
            into.push_back(json::string(port->ipaddr6->to_string()));
        }
      };
      json::array local_ips;
      for (const auto& caller : principal.asns)
        addresses(caller, local_ips);
      json::array peer_ips;
      addresses(*server_asn, peer_ips);
      item["local_ips"] = std::move(local_ips);
      item["peer_ips"] = std::move(peer_ips);
    } else {
      const auto* fac = pdb.facility(id.peeringdb_id());
      item["name"] = fac->name;
      item["city"] = fac->city;
      item["country"] = fac->country;
    }
    locations.push_back(std::move(item));
    last_key = key;
  }
  json::object body{{"locations", std::move(locations)}};
  if (more && last_key)
    body["next_token"] = cursors_.encode(scope, *last_key);
  return json_response(200, json::serialize(body));
}

}  // namespace peerapi::server
