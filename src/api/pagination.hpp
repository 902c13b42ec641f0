// Opaque, authenticated pagination tokens (docs/wire.md "Pagination").
//
// A token is "<payload>.<mac>": payload = base64url("1:" + position), mac = the first 16 bytes
// of HMAC-SHA-256(key, scope + "\n" + payload), base64url. `scope` binds the token to one query
// (endpoint, ASN, filters), so a token cannot be forged, edited or replayed on another query.
// The key lives in the store, so tokens stay valid across restarts and replicas.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::api {

class CursorCodec {
 public:
  explicit CursorCodec(std::string key) : key_(std::move(key)) {}

  [[nodiscard]] std::string encode(std::string_view scope, std::int64_t position) const;
  /// The position, or invalid_next_token (field "next_token") for anything not made by encode
  /// with the same key and scope.
  [[nodiscard]] Result<std::int64_t> decode(std::string_view scope, std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace peerapi::api
