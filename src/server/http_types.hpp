// Transport-neutral HTTP request and response: handlers are tested without sockets.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace peerapi::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path and query
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string remote_address;
  /// Every header field line as received (name as sent, value without surrounding
  /// whitespace), in order: DPoP proofs and HTTP message signatures (RFC 9421 section 2.1)
  /// are computed over them.
  std::vector<std::pair<std::string, std::string>> fields;

  /// The values of every field line named `name` (case-insensitive), in order.
  [[nodiscard]] std::vector<std::string_view> field_values(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [field, value] : fields) {
      if (field.size() == name.size() &&
          std::equal(field.begin(), field.end(), name.begin(), [](char a, char b) {
            auto lower = [](char c) {
              return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
            };
            return lower(a) == lower(b);
          }))
        out.push_back(value);
    }
    return out;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace peerapi::server
