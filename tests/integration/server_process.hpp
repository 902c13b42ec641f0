// A real `peerapi serve` child process on port 0, and a small blocking HTTP client for it.
// The child is stopped by PID in the destructor; every wait is bounded in time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

namespace peerapi::testing {

struct HttpResult {
  int status = 0;  // 0: the connection failed or was closed without an answer
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

/// One request on a new connection to 127.0.0.1:port.
HttpResult http_call(int port, const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::string& authorization = "Bearer dev-token-64501",
                     const std::string& content_type = "application/json");

class ServerProcess {
 public:
  /// Writes `config_text` to dir/peerapi.toml and starts the server on it. The config must
  /// listen on 127.0.0.1:0.
  ServerProcess(const std::filesystem::path& dir, const std::string& config_text);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Port from the "listening on http://127.0.0.1:PORT" log line; waits for /readyz = 200.
  /// With "https://" (TLS; this file speaks plain HTTP only), for the port to accept a TCP
  /// connection instead. Returns false (with the log in `log()`) when that does not happen
  /// within `timeout`.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// Everything the server wrote to stderr so far.
  std::string log();

  void kill_hard();  // SIGKILL and reap
  int stop();        // SIGTERM, wait (bounded), return exit status
  /// Waits (bounded) for the process to exit on its own, e.g. after a signal the test sent;
  /// returns the exit status, or -1 if it is still running at the timeout.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  void drain_log(std::chrono::milliseconds wait);
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int port_ = 0;
  std::string log_;
};

/// A config for the example PeeringDB data with the two dev tokens, the store in `dir`.
/// `extra_server` goes into [server]; `extra_tables` (whole tables, "[limits]\n...") at the end.
std::string process_config(const std::filesystem::path& dir, const std::string& extra_server = "",
                           const std::string& extra_tables = "");

}  // namespace peerapi::testing
