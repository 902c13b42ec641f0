// Outbound HTTP for every fetch peerapi makes (JWKS, discovery, PeeringDB, return_url), on
// libcurl. Every request and every redirect hop passes the outbound guard (outbound_guard.hpp)
// first, and the connection is pinned to the addresses the guard checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.hpp"
#include "net/outbound_guard.hpp"

namespace peerapi::net {

/// `del` is DELETE (RFC 9110 section 9.3.5); it carries `body` when that is not empty.
enum class Method : std::uint8_t { get, post, del };

struct HttpRequest {
  Method method = Method::get;
  std::string url;
  /// Extra request headers. Names are RFC 9110 section 5.1 tokens, values carry no CR, LF or
  /// NUL; Host, Content-Length, Transfer-Encoding, Connection and Expect are set by the client.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Method::post, and with Method::del when not empty
  /// Lowers the client's response size cap for this request (never raises it).
  std::optional<std::size_t> max_response_bytes;
  bool follow_redirects = true;
};

struct HttpResult {
  long status = 0;
  std::string url;  // the URL that gave this response (after redirects)
  /// Response header fields of the final response, names lowercased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first value of header `name` (any case); nullopt when absent.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
  [[nodiscard]] bool ok() const noexcept { return status >= 200 && status < 300; }
};

struct HttpClientOptions {
  OutboundPolicy policy;
  int max_redirects = 3;
  std::int64_t connect_timeout_ms = 5'000;
  /// For the whole exchange, redirects included.
  std::int64_t timeout_ms = 15'000;
  std::size_t max_response_bytes = 1 << 20;
  /// All header fields of one response together.
  std::size_t max_header_bytes = 32 * 1024;
  /// PEM CA bundle to trust instead of the system store (private CAs, tests). Certificate and
  /// host name verification are always on.
  std::filesystem::path ca_file;
  std::string user_agent = "peerapi";
  /// Called with each address right before a socket is opened to it (after the guard allowed
  /// it); returning false refuses the connection. For logging, metrics and tests.
  std::function<bool(const model::IpAddress&)> connect_hook;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Performs `request` and returns the final response, whatever its status. Errors:
  /// invalid_url / invalid_value (at "url", "headers[i]") for a malformed request; io_error at
  /// "url" with "<url>: <reason>" when the guard refuses a target, on too many redirects, an
  /// https-to-http redirect, a timeout, a response over the size caps, a TLS failure or any
  /// transport failure. Safe to call from several threads at once.
  virtual Result<HttpResult> fetch(const HttpRequest& request) = 0;
};

/// `result` when its status is 2xx; otherwise io_error at "url": "<url>: HTTP <status>".
Result<HttpResult> require_success(HttpResult result);

/// HttpClient on libcurl: one easy handle per hop, redirects followed here (RFC 9110 section
/// 15.4) so each hop is checked; https only unless the policy allows http for a host; no proxy;
/// TLS 1.2 or later with peer and host verification.
class CurlHttpClient final : public HttpClient {
 public:
  /// `resolver` defaults to SystemResolver.
  explicit CurlHttpClient(HttpClientOptions options = {},
                          std::shared_ptr<Resolver> resolver = nullptr);
  Result<HttpResult> fetch(const HttpRequest& request) override;

  [[nodiscard]] const HttpClientOptions& options() const noexcept { return options_; }

 private:
  HttpClientOptions options_;
  std::shared_ptr<Resolver> resolver_;
};

}  // namespace peerapi::net
