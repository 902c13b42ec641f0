// An HTTP answer read by Beast, as the tests compare it (integration/server_process.hpp).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <string>

#include "integration/server_process.hpp"

namespace peerapi::testing {

/// Status, body and header fields (names lower-cased) of `response`.
inline HttpResult to_http_result(
    const boost::beast::http::response<boost::beast::http::string_body>& response) {
  HttpResult result;
  result.status = static_cast<int>(response.result_int());
  result.body = response.body();
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  return result;
}

}  // namespace peerapi::testing
