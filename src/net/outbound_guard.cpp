#include "net/outbound_guard.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>

#include "net/address_policy.hpp"

namespace peerapi::net {

namespace {

constexpr std::size_t kMaxHostLength = 253;   // RFC 1035 section 2.3.4, without the root dot
constexpr std::size_t kMaxLabelLength = 63;   // RFC 1035 section 2.3.4
constexpr std::size_t kMaxAddresses = 32;     // bounds the pin list
constexpr std::size_t kMaxShownLength = 200;  // URLs in messages

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string clip(std::string_view text) {
  if (text.size() <= kMaxShownLength)
    return std::string(text);
  return std::string(text.substr(0, kMaxShownLength)) + "...";
}

std::unexpected<Error> refused(const std::string& shown, const std::string& reason) {
  return fail(ErrorCode::io_error, "url", shown + ": refused: " + reason);
}

std::unexpected<Error> bad_url(std::string_view url, const std::string& reason) {
  return fail(ErrorCode::invalid_url, "url", "\"" + display_url(url) + "\": " + reason);
}

bool is_loopback(const model::IpAddress& address) {
  const auto& b = address.bytes();
  if (address.is_v4())
    return b[0] == 127;
  static const std::array<std::uint8_t, 16> kV6Loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 1};
  return b == kV6Loopback;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A registered name as DNS knows it: LDH labels (RFC 1123 section 2.1), with "_" which some
// service names use. Returns a reason on failure.
std::optional<std::string> check_host_name(std::string_view host) {
  if (host.empty())
    return "empty host";
  if (host.size() > kMaxHostLength)
    return "host name longer than 253 characters";
  std::size_t start = 0;
  std::string_view last_label;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > kMaxLabelLength)
      return "host name has an empty or over-long label";
    for (const char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok)
        return "host name must be ASCII letters, digits, '-' and '_' (use the A-label form)";
    }
    last_label = label;
    start = dot + 1;
  }
  // A name whose last label is a number is an IPv4 address in another spelling to some
  // resolvers (inet_aton: "127.1", "2130706433", "0x7f.1"); the WHATWG URL host parser treats it
  // the same way. Only the canonical dotted quad is accepted as an address.
  if (all_digits(last_label) ||
      (last_label.size() >= 2 && last_label[0] == '0' && last_label[1] == 'x'))
    return "host looks like a non-canonical IPv4 address";
  return std::nullopt;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether the policy lets a request reach `address`; the reason when it does not.
std::optional<std::string> address_refusal(const model::IpAddress& address,
                                           const OutboundPolicy& policy) {
  for (const auto& prefix : policy.allowed_prefixes) {
    if (prefix.contains(address))
      return std::nullopt;
  }
  if (policy.allow_loopback_http && is_loopback(address))
    return std::nullopt;
  if (auto special = special_purpose(address))
    return address.to_string() + " is not globally reachable (" + special->name + ", " +
           special->reference + ")";
  return std::nullopt;
}

}  // namespace

std::string display_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    return clip(url.substr(0, std::min(url.find_first_of("?#"), url.size())));
  std::string out;
  out.append(parsed->scheme()).append("://");
  out.append(parsed->encoded_host_and_port());
  out.append(parsed->encoded_path());
  return clip(out);
}

Result<void> check_redirect(const CheckedTarget& from, const CheckedTarget& to) {
  if (from.scheme == "https" && to.scheme == "http")
    return refused(from.display, "redirect from https to http (" + to.display + ")");
  return {};
}

Result<std::vector<model::IpAddress>> SystemResolver::resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
  if (rc != 0)
    return fail(ErrorCode::io_error, "url",
                "cannot resolve host \"" + clip(host) + "\": " + gai_strerror(rc));
  std::vector<model::IpAddress> out;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    std::optional<model::IpAddress> address;
    if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in)) {
      sockaddr_in sin{};
      std::memcpy(&sin, ai->ai_addr, sizeof sin);
      address = model::IpAddress::v4(ntohl(sin.sin_addr.s_addr));
    } else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(sockaddr_in6)) {
      sockaddr_in6 sin6{};
      std::memcpy(&sin6, ai->ai_addr, sizeof sin6);
      char text[INET6_ADDRSTRLEN];
      if (inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text) != nullptr) {
        if (auto parsed = model::IpAddress::parse(text))
          address = *parsed;
      }
    }
    if (address && std::find(out.begin(), out.end(), *address) == out.end())
      out.push_back(*address);
  }
  if (out.empty())
    return fail(ErrorCode::io_error, "url", "host \"" + clip(host) + "\" has no address");
  return out;
}

Result<CheckedTarget> check_target(std::string_view url, const OutboundPolicy& policy,
                                   Resolver& resolver) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    return bad_url(url, "not an absolute URL (RFC 3986 section 4.3)");
  const boost::urls::url_view& u = *parsed;

  CheckedTarget target;
  target.scheme = lower(u.scheme());
  if (target.scheme != "https" && target.scheme != "http")
    return refused(display_url(url), "scheme \"" + clip(target.scheme) + "\" is not allowed");
  if (!u.has_authority())
    return bad_url(url, "URL has no host");

  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      target.host = u.host_ipv4_address().to_string();
      target.host_is_address = true;
      break;
    case boost::urls::host_type::ipv6: {
      target.host = u.host_ipv6_address().to_string();
      target.host_is_address = true;
      break;
    }
    case boost::urls::host_type::name: {
      if (u.encoded_host().find('%') != boost::urls::string_view::npos)
        return bad_url(url, "percent-encoded host names are not accepted");
      std::string host = lower(u.encoded_host());
      if (!host.empty() && host.back() == '.')
        host.pop_back();  // the root label; curl and the resolver ignore it too
      target.host = std::move(host);
      break;
    }
    default:
      return bad_url(url, "URL has no usable host");
  }
  if (target.host.empty())
    return bad_url(url, "URL has no host");

  const std::uint16_t default_port = target.scheme == "https" ? 443 : 80;
  target.port = default_port;
  if (u.has_port() && !u.port().empty()) {
    const std::string_view port_text = u.port();
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.size() > 5 || !all_digits(port_text) || ec != std::errc{} ||
        end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return bad_url(url, "port must be 1-65535");
    target.port = static_cast<std::uint16_t>(port);
  }

  const std::string host_in_url =
      target.host_is_address && u.host_type() == boost::urls::host_type::ipv6
          ? "[" + target.host + "]"
          : target.host;
  const std::string authority =
      target.port == default_port ? host_in_url : host_in_url + ":" + std::to_string(target.port);
  const std::string path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  target.display = clip(target.scheme + "://" + authority + path);
  target.url = target.scheme + "://" + authority + path;
  if (u.has_query())
    target.url += "?" + std::string(u.encoded_query());

  if (u.has_userinfo())
    return refused(target.display, "credentials in the URL are not accepted");
  if (!target.host_is_address) {
    if (auto reason = check_host_name(target.host))
      return refused(target.display, *reason);
  }

  const bool http_host = contains(policy.http_hosts, target.host);
  if (target.scheme == "http" && !http_host && !policy.allow_loopback_http)
    return refused(target.display, "plain http is not allowed for this host; use https");

  if (target.host_is_address) {
    auto address = model::IpAddress::parse(target.host, "url");
    if (!address)
      return bad_url(url, "bad IP literal");
    target.addresses.push_back(*address);
  } else {
    auto resolved = resolver.resolve(target.host);
    if (!resolved)
      return refused(target.display, resolved.error().message);
    if (resolved->empty())
      return refused(target.display, "host has no address");
    if (resolved->size() > kMaxAddresses)
      resolved->erase(resolved->begin() + kMaxAddresses, resolved->end());
    target.addresses = std::move(*resolved);
  }

  for (const auto& address : target.addresses) {
    if (auto reason = address_refusal(address, policy))
      return refused(target.display, *reason);
  }
  if (target.scheme == "http" && !http_host &&
      !std::all_of(target.addresses.begin(), target.addresses.end(), is_loopback))
    return refused(target.display, "plain http is not allowed for this host; use https");
  return target;
}

socklen_t to_sockaddr(const model::IpAddress& address, std::uint16_t port, sockaddr_storage& out) {
  out = sockaddr_storage{};
  const auto& bytes = address.bytes();
  if (address.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, bytes.data(), 4);
    std::memcpy(&out, &sin, sizeof sin);
    return sizeof sin;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  std::memcpy(&sin6.sin6_addr, bytes.data(), 16);
  std::memcpy(&out, &sin6, sizeof sin6);
  return sizeof sin6;
}

Result<CheckedEndpoint> check_endpoint(std::string_view host, std::uint16_t port,
                                       std::string_view field, const OutboundPolicy& policy,
                                       Resolver& resolver) {
  CheckedEndpoint endpoint;
  endpoint.port = port;
  endpoint.host = lower(host);
  if (!endpoint.host.empty() && endpoint.host.back() == '.' && endpoint.host.size() > 1)
    endpoint.host.pop_back();  // the root label
  std::optional<model::IpAddress> literal;
  if (auto parsed = model::IpAddress::parse(endpoint.host, field))
    literal = *parsed;
  endpoint.host_is_address = literal.has_value();
  const std::string shown_host = literal && !literal->is_v4() ? "[" + literal->to_string() + "]"
                                 : literal                    ? literal->to_string()
                                                              : clip(endpoint.host);
  endpoint.display = shown_host + ":" + std::to_string(port);
  const auto refuse = [&](const std::string& reason) {
    return fail(ErrorCode::io_error, std::string(field), endpoint.display + ": refused: " + reason);
  };
  if (port == 0)
    return fail(ErrorCode::invalid_value, std::string(field),
                endpoint.display + ": port must be 1-65535");

  if (literal) {
    endpoint.host = literal->to_string();
    endpoint.addresses.push_back(*literal);
  } else {
    if (auto reason = check_host_name(endpoint.host))
      return refuse(*reason);
    auto resolved = resolver.resolve(endpoint.host);
    if (!resolved)
      return fail(ErrorCode::unavailable, std::string(field),
                  endpoint.display + ": " + resolved.error().message);
    if (resolved->empty())
      return fail(ErrorCode::unavailable, std::string(field),
                  endpoint.display + ": host has no address");
    if (resolved->size() > kMaxAddresses)
      resolved->erase(resolved->begin() + kMaxAddresses, resolved->end());
    endpoint.addresses = std::move(*resolved);
  }
  for (const auto& address : endpoint.addresses) {
    if (auto reason = address_refusal(address, policy)) {
      const std::string fix =
          is_loopback(address)
              ? "set [outbound] allow_loopback = true (tests and local development only)"
              : "add " + address.to_string() + (address.is_v4() ? "/32" : "/128") +
                    " (or its network) to [outbound] allowed_prefixes";
      return refuse(*reason + "; to allow it, " + fix);
    }
  }
  return endpoint;
}

}  // namespace peerapi::net
