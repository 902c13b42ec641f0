// HTTP/1.1 listener on Boost.Beast with C++20 coroutines, over TLS when [server.tls] is set
// (server/tls_context.hpp). Enforces the transport limits (docs/wire.md "Limits"): header and
// body timeouts, idle timeout, body size cap, connection caps (global and per source address).
// Stops gracefully (docs/operations.md "Signals: reload and drain").
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

  /// Builds the TLS context when [server.tls] is set, then binds every configured address.
  /// Returns the bound "host:port" strings (port 0 resolved), or an error naming the key
  /// (server.tls.cert_file, ...) or the address that failed.
  Result<std::vector<std::string>> bind();
  /// "https" with [server.tls], else "http".
  [[nodiscard]] std::string scheme() const;
  /// Replaces the TLS context with one built from `tls` (files re-read). New connections use
  /// it; open ones keep the context they started with. On error the current context stays.
  /// A server started without TLS cannot turn it on (error at "server.tls").
  Result<void> reload_tls(const config::TlsSection& tls);
  /// SHA-256 of the certificate new connections get (lower-case hex); empty without TLS.
  [[nodiscard]] std::string certificate_sha256() const;
  /// Called on an I/O thread for each SIGHUP, when run() handles signals.
  void set_reload_handler(std::function<void()> on_reload);

  /// Serves on `threads` threads until stop(), or until drained after drain() or after
  /// SIGINT/SIGTERM when `handle_signals` (a second SIGINT/SIGTERM stops at once; SIGHUP calls
  /// the reload handler).
  void run(int threads, bool handle_signals);
  /// Stops at once: open connections are cut.
  void stop();
  /// Graceful stop: closes the listeners and idle keep-alive connections at once, lets requests
  /// in progress finish (their answers carry "Connection: close"), and stops when none is
  /// left or after server.drain_timeout_ms.
  void drain();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace peerapi::server
