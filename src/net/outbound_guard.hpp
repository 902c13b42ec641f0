// The outbound guard: every URL peerapi fetches (and every redirect it follows) is checked here
// before a connection is made. The checked addresses are then the only ones the HTTP client may
// connect to, so a DNS answer that changes between check and connect (rebinding) cannot move the
// request to another target.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::net {

/// What an outbound request may reach. The default is the safe one: https only, globally
/// reachable addresses only.
struct OutboundPolicy {
  /// Hosts (lowercase DNS names, or IP literals without brackets) that may be fetched over
  /// plain http. Every other host needs https.
  std::vector<std::string> http_hosts;
  /// Address ranges that may be targets although they are not globally reachable, e.g. an
  /// identity provider on an internal network. Each must be configured on purpose.
  std::vector<model::Prefix> allowed_prefixes;
  /// Tests and local development only: 127.0.0.0/8 and ::1 may be targets, over http too (and
  /// as plain TCP endpoints, check_endpoint).
  bool allow_loopback_http = false;
};

/// Name resolution, injectable so tests can make a name resolve to any address.
class Resolver {
 public:
  virtual ~Resolver() = default;
  /// Every address (A and AAAA) `host` resolves to; io_error at "url" when there is none.
  virtual Result<std::vector<model::IpAddress>> resolve(const std::string& host) = 0;
};

/// getaddrinfo(3), both families, TCP. Blocks for as long as the system resolver does.
class SystemResolver final : public Resolver {
 public:
  Result<std::vector<model::IpAddress>> resolve(const std::string& host) override;
};

/// A URL that passed the guard, with the addresses the connection is pinned to.
struct CheckedTarget {
  std::string url;      // scheme://host[:port]/path[?query], rebuilt from the parse; no fragment
  std::string display;  // scheme://host[:port]/path, for messages (the query may hold secrets)
  std::string scheme;   // "http" or "https"
  std::string host;     // lowercase name without a trailing dot, or an IP literal (no brackets)
  bool host_is_address = false;
  std::uint16_t port = 0;
  std::vector<model::IpAddress> addresses;  // every address of `host`, each one allowed
};

/// Checks `url` against `policy`, resolving a host name through `resolver`.
/// - invalid_url at "url": not an absolute http(s)-style URL, bad host or port syntax.
/// - io_error at "url", message "<url>: refused: <reason>": a scheme other than https (or http
///   for a host the policy allows), credentials in the URL, a host that names an IPv4 address in
///   a non-canonical form ("127.1", "0x7f000001"), a name that does not resolve, or ANY resolved
///   address that is not globally reachable (special_purpose()) and not allowed by the policy.
Result<CheckedTarget> check_target(std::string_view url, const OutboundPolicy& policy,
                                   Resolver& resolver);

/// Whether a redirect from `from` to `to` may be followed: io_error at "url" for https to http
/// (a downgrade would expose the request and the response to the path).
Result<void> check_redirect(const CheckedTarget& from, const CheckedTarget& to);

/// The URL without its query and fragment, for messages; the input itself when it does not parse.
std::string display_url(std::string_view url);

/// A plain TCP service (an IRRd whois server, an RTR cache) that passed the guard, with the
/// addresses a connection to it may use, in the resolver's order.
struct CheckedEndpoint {
  std::string host;  // lowercase name without a trailing dot, or an IP literal (no brackets)
  bool host_is_address = false;
  std::uint16_t port = 0;
  std::string display;                      // "host:port", "[v6]:port"
  std::vector<model::IpAddress> addresses;  // every address of `host`, each one allowed
};

/// Checks the plain TCP endpoint `host`:`port` against `policy` (the same rules as
/// check_target, without scheme rules; `allow_loopback_http` allows loopback targets here),
/// resolving a host name through `resolver` exactly once. `field` names the configuration key
/// the endpoint came from ("sources.irr.irrd", "sources.rpki.rtr", "--rtr").
/// - invalid_value at `field`: port 0.
/// - io_error at `field`, message "<host>:<port>: refused: <reason>": a host that is no DNS name
///   or IP literal, a host naming an IPv4 address in a non-canonical form ("127.1"), or ANY
///   resolved address that is not globally reachable and not allowed by the policy (the reason
///   then ends with the [outbound] setting that would allow it).
/// - unavailable at `field`, message "<host>:<port>: <resolver's reason>": the name did not
///   resolve (a transient failure: callers retry it like an unreachable server).
Result<CheckedEndpoint> check_endpoint(std::string_view host, std::uint16_t port,
                                       std::string_view field, const OutboundPolicy& policy,
                                       Resolver& resolver);

/// `address`:`port` as a socket address for connect(2); returns its length (sockaddr_in or
/// sockaddr_in6).
socklen_t to_sockaddr(const model::IpAddress& address, std::uint16_t port, sockaddr_storage& out);

}  // namespace peerapi::net
