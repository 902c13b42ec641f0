#include "client/peer_api_client.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "client/time_text.hpp"

namespace peerapi::client {

namespace {

std::string_view method_name(net::Method method) {
  switch (method) {
    case net::Method::get:
      return "GET";
    case net::Method::post:
      return "POST";
    case net::Method::del:
      return "DELETE";
  }
  return "GET";
}

/// A query parameter value, percent-encoded (RFC 3986 section 2.1): only unreserved characters
/// stay as they are, so an opaque next_token survives whatever it contains.
std::string query_value(std::string_view value) {
  return boost::urls::encode(value, boost::urls::unreserved_chars);
}

ErrorCode code_for_status(long status) {
  switch (status) {
    case 401:
      return ErrorCode::unauthenticated;
    case 403:
      return ErrorCode::forbidden;
    case 404:
      return ErrorCode::not_found;
    case 405:
      return ErrorCode::method_not_allowed;
    case 409:
      return ErrorCode::request_id_conflict;
    case 413:
      return ErrorCode::body_too_large;
    case 415:
      return ErrorCode::unsupported_media_type;
    case 422:
      return ErrorCode::all_rejected;
    case 429:
      return ErrorCode::rate_limited;
    case 503:
      return ErrorCode::unavailable;
    default:
      return status >= 500 ? ErrorCode::internal : ErrorCode::invalid_value;
  }
}

/// Transport failures worth another attempt: not a refusal by the outbound guard (its message
/// is "<url>: refused: <reason>", net/outbound_guard.hpp), not a TLS failure and not an answer
/// over the size caps; those would fail the same way again.
bool retryable_transport(const Error& error) {
  const std::string& m = error.message;
  return error.code == ErrorCode::io_error && m.find(": refused: ") == std::string::npos &&
         m.find("TLS failure") == std::string::npos && m.find("larger than") == std::string::npos;
}

/// RFC 9449 section 8: a 401 whose DPoP challenge has error="use_dpop_nonce" and a DPoP-Nonce.
bool asks_for_nonce(const net::HttpResult& result) {
  const auto challenge = result.header("www-authenticate");
  return result.header("dpop-nonce").has_value() && challenge &&
         challenge->find("use_dpop_nonce") != std::string_view::npos;
}

template <class T>
ClientResult<T> decoded(Result<T> result) {
  if (!result)
    return decode_failure(std::move(result.error()));
  return std::move(*result);
}

}  // namespace

ClientError http_failure(const net::HttpResult& result, std::int64_t now_ms) {
  ClientError out;
  out.kind = FailureKind::http;
  out.http_status = static_cast<int>(result.status);
  out.error.code = code_for_status(result.status);
  if (auto retry_after = result.header("retry-after"))
    out.retry_after_ms = parse_retry_after(*retry_after, now_ms);
  if (auto body = decode_error_body(result.body)) {
    out.server_errors = std::move(body->errors);
    out.contact_email = std::move(body->contact_email);
    if (!out.server_errors.empty()) {
      const FieldError& first = out.server_errors.front();
      out.error.field = first.name;
      out.error.message = first.messages.empty() ? first.code : first.messages.front();
      if (!first.code.empty() && !first.messages.empty())
        out.error.message += " (" + first.code + ")";
    } else if (body->message) {
      out.error.message = *body->message;
    }
  }
  if (out.error.message.empty()) {
    if (result.status >= 300 && result.status < 400) {
      const auto location = result.header("location");
      out.error.message = "the server answers with a redirect" +
                          (location ? " to " + net::display_url(*location) : std::string()) +
                          "; configure the endpoint URL it names";
    } else {
      out.error.message = "the answer is not a Peering API error body";
    }
  }
  return out;
}

PeerApiClient::PeerApiClient(ClientOptions options, net::HttpClient& http, const util::Clock& clock,
                             util::RandomSource& random, Sleeper& sleeper)
    : options_(std::move(options)), http_(http), clock_(clock), random_(random), sleeper_(sleeper) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
  options_.page_size = std::clamp(options_.page_size, 1, 100);
}

std::optional<std::string> PeerApiClient::dpop_nonce() const {
  const std::lock_guard lock(nonce_mutex_);
  return nonce_;
}

void PeerApiClient::remember_nonce(const net::HttpResult& result) {
  if (auto nonce = result.header("dpop-nonce"); nonce && !nonce->empty()) {
    const std::lock_guard lock(nonce_mutex_);
    nonce_ = std::string(*nonce);
  }
}

ClientError PeerApiClient::unexpected_status(const Exchanged& exchanged) const {
  ClientError e = http_failure(exchanged.result, clock_.now_ms());
  e.attempts = exchanged.attempts;
  return e;
}

ClientResult<PeerApiClient::Exchanged> PeerApiClient::exchange(const Call& call) {
  RetrySchedule schedule(options_.retry, clock_, random_);
  const std::string url = options_.base_url + call.target;
  bool nonce_retried = false;
  int attempts = 0;
  for (;;) {
    ++attempts;
    net::HttpRequest request;
    request.method = call.method;
    request.url = url;
    // The contract has no redirects; a DPoP proof or signature names the URL it was made for.
    request.follow_redirects = false;
    request.headers.emplace_back("Accept", "application/json");
    if (!call.body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = call.body;
    }
    if (call.authenticated && !options_.access_token.empty()) {
      if (options_.signer != nullptr) {
        const auth::OutgoingRequest outgoing{.method = std::string(method_name(call.method)),
                                             .url = url,
                                             .body = call.body,
                                             .headers = request.headers};
        const auth::SignerOptions signing{
            .dpop = true, .signatures = options_.sign_requests, .dpop_nonce = dpop_nonce()};
        auto headers = options_.signer->headers_for(outgoing, options_.access_token, signing);
        if (!headers) {
          ClientError e;
          e.kind = FailureKind::usage;
          e.error = headers.error();
          return std::unexpected(std::move(e));
        }
        request.headers.insert(request.headers.end(), headers->begin(), headers->end());
      } else {
        request.headers.emplace_back("Authorization", "Bearer " + options_.access_token);
      }
    }

    auto result = http_.fetch(request);
    if (!result) {
      if (call.idempotent && retryable_transport(result.error())) {
        if (auto delay = schedule.next_delay(std::nullopt)) {
          sleeper_.sleep_ms(*delay);
          continue;
        }
      }
      ClientError e;
      e.kind = FailureKind::transport;
      e.error = std::move(result.error());
      e.attempts = attempts;
      return std::unexpected(std::move(e));
    }
    remember_nonce(*result);
    if (result->status == 401 && options_.signer != nullptr && !nonce_retried &&
        asks_for_nonce(*result)) {
      nonce_retried = true;  // RFC 9449 section 8: retry once with the nonce just received
      continue;
    }
    if (result->status == 429 || result->status == 503) {
      std::optional<std::int64_t> retry_after;
      if (auto value = result->header("retry-after"))
        retry_after = parse_retry_after(*value, clock_.now_ms());
      if (auto delay = schedule.next_delay(retry_after)) {
        sleeper_.sleep_ms(*delay);
        continue;
      }
      ClientError e = http_failure(*result, clock_.now_ms());
      e.attempts = attempts;
      return std::unexpected(std::move(e));
    }
    return Exchanged{std::move(*result), attempts};
  }
}

ClientResult<Page<RemoteLocation>> PeerApiClient::locations_page(
    model::Asn peer_asn, std::optional<model::LocationType> type,
    const std::optional<std::string>& token) {
  std::string target = "/locations?asn=" + std::to_string(peer_asn.value()) +
                       "&max_results=" + std::to_string(options_.page_size);
  if (type)
    target += "&location_type=" + std::string(model::to_string(*type));
  if (token)
    target += "&next_token=" + query_value(*token);
  auto result = exchange(Call{.method = net::Method::get, .target = std::move(target)});
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status != 200)
    return std::unexpected(unexpected_status(*result));
  return decoded(decode_locations_page(result->result.body));
}

Pager<RemoteLocation> PeerApiClient::locations(model::Asn peer_asn,
                                               std::optional<model::LocationType> type) {
  return Pager<RemoteLocation>(
      [this, peer_asn, type](const std::optional<std::string>& token) {
        return locations_page(peer_asn, type, token);
      },
      options_.max_pages);
}

ClientResult<std::vector<RemoteLocation>> PeerApiClient::list_locations(
    model::Asn peer_asn, std::optional<model::LocationType> type) {
  return locations(peer_asn, type).collect();
}

ClientResult<CreateAnswer> PeerApiClient::create_sessions(const CreateRequest& request) {
  if (request.sessions.empty())
    return usage_failure("sessions", "a request needs at least one session");
  const model::Uuid request_id =
      request.request_id.value_or(model::Uuid::v4_from_bytes(random_.bytes16()));
  auto result = exchange(Call{
      .method = net::Method::post,
      .target = "/sessions",
      .body = encode_create_body(request_id, request.return_url, request.sessions),
  });
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status != 200 && result->result.status != 422)
    return std::unexpected(unexpected_status(*result));
  auto answer = decode_create_answer(result->result.body, static_cast<int>(result->result.status));
  if (!answer)
    return decode_failure(std::move(answer.error()));
  if (answer->client_request_id && *answer->client_request_id != request_id) {
    return decode_failure(Error{ErrorCode::invalid_value, "client_request_id",
                                "the server echoed " + answer->client_request_id->to_string() +
                                    ", not the request_id sent (" + request_id.to_string() + ")"});
  }
  if (answer->accepted.size() + answer->rejected.size() != request.sessions.size()) {
    return decode_failure(Error{ErrorCode::invalid_value, "sessions",
                                "accepted (" + std::to_string(answer->accepted.size()) +
                                    ") and rejected (" + std::to_string(answer->rejected.size()) +
                                    ") do not add up to the " +
                                    std::to_string(request.sessions.size()) + " sessions sent"});
  }
  return std::move(*answer);
}

ClientResult<Page<model::Session>> PeerApiClient::sessions_page(
    const SessionQuery& query, const std::optional<std::string>& token) {
  std::string target = "/sessions?asn=" + std::to_string(query.asn.value()) +
                       "&max_results=" + std::to_string(options_.page_size);
  if (query.request_id)
    target += "&request_id=" + query.request_id->to_string();
  if (token)
    target += "&next_token=" + query_value(*token);
  auto result = exchange(Call{.method = net::Method::get, .target = std::move(target)});
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status != 200)
    return std::unexpected(unexpected_status(*result));
  return decoded(decode_sessions_page(result->result.body));
}

Pager<model::Session> PeerApiClient::sessions(const SessionQuery& query) {
  return Pager<model::Session>(
      [this, query](const std::optional<std::string>& token) {
        return sessions_page(query, token);
      },
      options_.max_pages);
}

ClientResult<std::vector<model::Session>> PeerApiClient::list_sessions(const SessionQuery& query) {
  return sessions(query).collect();
}

ClientResult<model::Session> PeerApiClient::get_session(const model::Uuid& session_id) {
  auto result =
      exchange(Call{.method = net::Method::get, .target = "/sessions/" + session_id.to_string()});
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status != 200)
    return std::unexpected(unexpected_status(*result));
  auto session = decode_session_body(result->result.body);
  if (!session)
    return decode_failure(std::move(session.error()));
  if (session->session_id != session_id) {
    return decode_failure(Error{ErrorCode::invalid_value, "session_id",
                                "the server answered with session " +
                                    session->session_id.to_string() + " for " +
                                    session_id.to_string()});
  }
  return std::move(*session);
}

ClientResult<void> PeerApiClient::delete_session(const model::Uuid& session_id) {
  auto result =
      exchange(Call{.method = net::Method::del, .target = "/sessions/" + session_id.to_string()});
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status == 200 || result->result.status == 204)
    return {};
  return std::unexpected(unexpected_status(*result));
}

ClientResult<BatchDeleteAnswer> PeerApiClient::delete_sessions(
    std::span<const model::Uuid> session_ids) {
  if (session_ids.empty() || session_ids.size() > 100)
    return usage_failure("sessions", "a batch delete names 1 to 100 sessions");
  auto result = exchange(Call{
      .method = net::Method::del, .target = "/sessions", .body = encode_delete_body(session_ids)});
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status != 200)
    return std::unexpected(unexpected_status(*result));
  return decoded(decode_batch_delete(result->result.body));
}

ClientResult<std::string> PeerApiClient::register_client(std::string_view idp_base) {
  boost::json::object body{{"idp_base", idp_base}};
  auto result = exchange(Call{.method = net::Method::post,
                              .target = "/oauth/client_register",
                              .body = boost::json::serialize(body),
                              .authenticated = false});
  if (!result)
    return std::unexpected(std::move(result.error()));
  if (result->result.status != 200)
    return std::unexpected(unexpected_status(*result));
  return decoded(decode_client_id(result->result.body));
}

}  // namespace peerapi::client
