// The JSON answers every endpoint shares: the project's error body (docs/wire.md) with the HTTP
// status each ErrorCode maps to. A bad request never maps to a 5xx.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/codec.hpp"
#include "model/error.hpp"
#include "server/http_types.hpp"

namespace peerapi::server {

/// A JSON response with `body`, never cached (RFC 9111 section 5.2.2.5).
inline HttpResponse json_response(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

/// {"errors": [error]} with `status` (and "contact_email" when given).
inline HttpResponse error_response(int status, const Error& error,
                                   std::optional<std::string_view> contact = std::nullopt) {
  return json_response(status, api::encode_error_body({error}, contact));
}

/// The HTTP status of an error code; syntax and value errors are 400.
inline int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::unauthenticated:
      return 401;
    case ErrorCode::forbidden:
    case ErrorCode::asn_not_authorized:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::request_id_conflict:
      return 409;
    case ErrorCode::body_too_large:
    case ErrorCode::too_many_items:
      return 413;
    case ErrorCode::unsupported_media_type:
      return 415;
    case ErrorCode::all_rejected:
      return 422;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::internal:
    case ErrorCode::store_error:
    case ErrorCode::io_error:
      return 500;
    default:
      return 400;
  }
}

inline HttpResponse from_error(const Error& error) {
  return error_response(status_for(error.code), error);
}

/// Whether a Content-Type value is application/json (parameters ignored, any case).
inline bool is_json_content_type(std::string_view value) {
  const auto semicolon = value.find(';');
  std::string_view media = value.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ')
    media.remove_suffix(1);
  while (!media.empty() && media.front() == ' ')
    media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size())
    return false;
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    const char c = media[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kJson[i])
      return false;
  }
  return true;
}

/// 415 for a body that is not sent as application/json.
inline HttpResponse unsupported_media_type() {
  return error_response(415, Error{ErrorCode::unsupported_media_type, "Content-Type",
                                   "the body must be sent as Content-Type: application/json"});
}

}  // namespace peerapi::server
