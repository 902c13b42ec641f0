// HTTP/1.1 listener on Boost.Beast with C++20 coroutines. Enforces the transport limits
// (docs/wire.md "Limits"): header and body timeouts, idle timeout, body size cap, connection cap.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "server/http_types.hpp"

namespace peerapi::server {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  HttpServer(const config::ServerSection& config, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds every configured address. Returns the bound "host:port" strings (port 0 resolved),
  /// or an error naming the address that failed.
  Result<std::vector<std::string>> bind();
  /// Serves on `threads` threads until stop() (or SIGINT/SIGTERM when `handle_signals`).
  void run(int threads, bool handle_signals);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace peerapi::server
