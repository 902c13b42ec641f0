// Transport-neutral HTTP request and response: handlers are tested without sockets.
#pragma once

#include <string>
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
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace peerapi::server
