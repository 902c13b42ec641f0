// Transport-neutral HTTP request and response: handlers are tested without sockets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/ascii.hpp"

namespace peerapi::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path and query
  std::string body;
  std::string remote_address;
  /// Every header field line as received (name as sent, value without surrounding
  /// whitespace), in order: DPoP proofs and HTTP message signatures (RFC 9421 section 2.1)
  /// are computed over them.
  std::vector<std::pair<std::string, std::string>> fields;

  /// The value of the first field line named `name` (ASCII case-insensitive), "" when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept {
    for (const auto& [field, value] : fields) {
      if (util::iequals(field, name))
        return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace peerapi::server
