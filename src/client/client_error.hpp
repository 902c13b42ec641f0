// What a call to a peer's Peering API can fail with (docs/wire.md "Errors"): the exchange did
// not happen (transport), the server answered with an error status and its error list (http),
// or the server's answer does not follow the contract (decode).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "model/error.hpp"

namespace peerapi::client {

/// One entry of the server's error body: {"name": field path, "code": reason, "errors": [...]}.
/// `code` is kept as the server spelt it: a newer server may use codes this client does not know.
struct FieldError {
  std::string name;  // "sessions[2].local_ip"; empty for request-level errors
  std::string code;  // "ip_outside_ixlan"
  std::vector<std::string> messages;
};

enum class FailureKind : std::uint8_t {
  transport,  // no HTTP answer: refused by the outbound guard, connection, TLS, timeout
  http,       // an answer with an error status; server_errors holds its error list
  decode,     // an answer that breaks the contract; error.field names the offending member
  usage,      // a call this client refuses to make (bad argument)
};

std::string_view to_string(FailureKind kind) noexcept;

struct ClientError {
  FailureKind kind = FailureKind::transport;
  /// Summary: transport failures are io_error at "url"; HTTP failures carry the code the status
  /// maps to (401 unauthenticated, 403 forbidden, 404 not_found, 409 request_id_conflict, 422
  /// all_rejected, 429 rate_limited, 503 unavailable, other 4xx invalid_value, 5xx internal) and
  /// the first server error's name and message; decode failures name the member path
  /// ("sessions[3].peer_ip") with wrong_type, missing_field or invalid_value.
  Error error;
  int http_status = 0;                         // 0 unless kind == http
  std::vector<FieldError> server_errors;       // the server's list, in its order
  std::optional<std::string> contact_email;    // request-level "contact_email", when given
  std::optional<std::int64_t> retry_after_ms;  // the last Retry-After seen (429/503)
  int attempts = 1;                            // HTTP exchanges tried, retries included

  /// "HTTP 422: sessions[0].local_ip: ..." style one-line description.
  [[nodiscard]] std::string describe() const;
};

template <class T>
using ClientResult = std::expected<T, ClientError>;

/// A decode failure at `field`.
std::unexpected<ClientError> decode_failure(Error error);
/// A usage failure (invalid_value at `field`).
std::unexpected<ClientError> usage_failure(std::string field, std::string message);

}  // namespace peerapi::client
