// JSON <-> model for the Peering API wire contract (docs/wire.md). Pure: no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"

namespace peerapi::api {

struct DecodeLimits {
  std::size_t max_sessions = 100;
  int max_depth = 16;
};

/// Parses JSON text with a nesting cap. Errors: malformed_json (with the byte offset) or
/// too_deep.
Result<boost::json::value> parse_json(std::string_view text, int max_depth);

/// One requested session as decoded: either a validated request, or the reasons it is not one.
/// "a string", "an integer", "null", ...: how an error message names what a JSON value is.
std::string_view json_kind_name(const boost::json::value& value);

struct DecodedSession {
  std::optional<model::SessionRequest> request;
  std::vector<Error> errors;  // full paths, e.g. "sessions[2].local_ip"
  boost::json::object echo;   // the caller's fields without the secret, for the rejected list
};

struct CreateSessionsBody {
  std::optional<model::Uuid> client_request_id;
  std::optional<std::string> return_url;
  std::vector<DecodedSession> sessions;
};

/// Decodes a POST /sessions body: {"request_id"?, "return_url"?, "sessions": [...]} or a bare
/// array. Request-level problems (not JSON, wrong top-level shape, too many sessions, bad
/// request_id/return_url, unknown top-level keys) are errors; problems inside one session are
/// reported in that session's `errors` so the other sessions can still be accepted.
Result<CreateSessionsBody> decode_create_sessions(std::string_view body,
                                                  const DecodeLimits& limits);

/// True for errors that mean the request is malformed (a client bug) rather than refused by
/// this network's rules: these make an all-rejected request a 400 rather than a 422.
bool is_malformed(ErrorCode code) noexcept;

/// Decodes {"sessions": [{"session_id": UUID}, ...]} for DELETE /sessions. Per-item problems
/// are returned with their index; the whole body fails only when it is not of that shape.
struct DeleteItem {
  std::optional<model::Uuid> session_id;
  std::optional<Error> error;
};
Result<std::vector<DeleteItem>> decode_delete_sessions(std::string_view body,
                                                       const DecodeLimits& limits);

/// The response form of a stored session (never includes the secret).
boost::json::object encode_session(const model::Session& session);

/// {"name": field, "code": code, "errors": [message]}.
boost::json::object encode_field_error(const Error& error);
/// {"errors": [...]} plus optional "message" and "contact_email".
std::string encode_error_body(const std::vector<Error>& errors,
                              std::optional<std::string_view> contact_email = std::nullopt);

}  // namespace peerapi::api
