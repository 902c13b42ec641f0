#include "client/client_error.hpp"

namespace peerapi::client {

std::string_view to_string(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::transport:
      return "transport";
    case FailureKind::http:
      return "http";
    case FailureKind::decode:
      return "decode";
    case FailureKind::usage:
      return "usage";
  }
  return "unknown";
}

std::string ClientError::describe() const {
  std::string out;
  if (kind == FailureKind::http)
    out = "HTTP " + std::to_string(http_status) + ": ";
  else if (kind == FailureKind::decode)
    out = "malformed answer: ";
  if (!error.field.empty())
    out += error.field + ": ";
  out += error.message;
  return out;
}

std::unexpected<ClientError> decode_failure(Error error) {
  ClientError out;
  out.kind = FailureKind::decode;
  out.error = std::move(error);
  return std::unexpected(std::move(out));
}

std::unexpected<ClientError> usage_failure(std::string field, std::string message) {
  ClientError out;
  out.kind = FailureKind::usage;
  out.error = Error{ErrorCode::invalid_value, std::move(field), std::move(message)};
  return std::unexpected(std::move(out));
}

}  // namespace peerapi::client
