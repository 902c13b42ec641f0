// The client side of the wire contract (docs/wire.md): request bodies it sends and the checked
// decoding of every answer. Pure: no I/O. A malformed answer is an error naming the member
// ("sessions[3].peer_ip"), never a crash; members this client does not know are ignored, so a
// newer server can add fields.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_error.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "model/location.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"

namespace peerapi::client {

/// JSON nesting accepted in answers; the server's own bodies nest at most 5 levels.
inline constexpr int kMaxAnswerDepth = 16;

/// One location of GET /locations: where both networks are present.
struct RemoteLocation {
  model::LocationId id;
  std::string name{};
  std::string city{};
  std::string country{};
  std::vector<model::IpAddress> local_ips{};  // the caller's addresses there (public only)
  std::vector<model::IpAddress> peer_ips{};   // the server network's addresses there
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_token;  // absent on the last page
};

/// A session the server accepted, with the notes its policy attached ("policy_reasons").
struct AcceptedSession {
  model::Session session;
  std::vector<FieldError> policy_reasons;
};

/// A session the server refused: its fields as echoed (never a secret) and the reasons.
struct RejectedSession {
  /// Its position in the request, from the "sessions[N]" prefix of its error names.
  std::optional<std::size_t> index;
  boost::json::object fields;
  std::vector<FieldError> errors;
};

/// The answer to POST /sessions: 200 (some accepted) or 422 (all refused by the server's rules).
struct CreateAnswer {
  int http_status = 200;
  model::Uuid request_id;                        // the server's definitive id
  std::optional<model::Uuid> client_request_id;  // ours, echoed
  std::vector<AcceptedSession> accepted;
  std::vector<RejectedSession> rejected;
  std::vector<FieldError> errors;  // 422: every reason plus "all_rejected"
  std::optional<std::string> contact_email;
};

/// The answer to DELETE /sessions: the deleted sessions and per-item errors.
struct BatchDeleteAnswer {
  std::vector<model::Session> deleted;
  std::vector<FieldError> errors;  // names "sessions[i].session_id"
};

// ---- request bodies -------------------------------------------------------------------------

/// One session in the request form: every field explicit, the secret when set, the location as
/// {"id", "type"}.
boost::json::object encode_session_request(const model::SessionRequest& session);
/// {"request_id", "return_url"?, "sessions": [...]}.
std::string encode_create_body(const model::Uuid& request_id,
                               const std::optional<std::string>& return_url,
                               std::span<const model::SessionRequest> sessions);
/// {"sessions": [{"session_id": ...}, ...]}.
std::string encode_delete_body(std::span<const model::Uuid> session_ids);

// ---- answers --------------------------------------------------------------------------------

/// A stored session in the response form, every member of docs/wire.md "Session object"
/// required and checked (UUIDs, ASNs, canonical addresses, roles 0-4, status, location object
/// whose type matches its id, RFC 3339 times). Errors name `path` + member.
Result<model::Session> decode_session(const boost::json::value& value, std::string_view path);
/// {"errors": [...], ...}; an entry that is not {name, code, errors[]} is an error at its path.
Result<std::vector<FieldError>> decode_field_errors(const boost::json::value& value,
                                                    std::string_view path);

Result<Page<RemoteLocation>> decode_locations_page(std::string_view body);
Result<Page<model::Session>> decode_sessions_page(std::string_view body);
/// `status` is the HTTP status it came with (200 or 422).
Result<CreateAnswer> decode_create_answer(std::string_view body, int status);
Result<BatchDeleteAnswer> decode_batch_delete(std::string_view body);
Result<model::Session> decode_session_body(std::string_view body);
/// {"client_id": "..."} of POST /oauth/client_register.
Result<std::string> decode_client_id(std::string_view body);

/// The error body of a failed request: its entries and "contact_email". nullopt when the body is
/// not the Peering API error shape (a proxy's HTML page, an empty body).
struct ErrorBody {
  std::vector<FieldError> errors;
  std::optional<std::string> message;
  std::optional<std::string> contact_email;
};
std::optional<ErrorBody> decode_error_body(std::string_view body);

}  // namespace peerapi::client
