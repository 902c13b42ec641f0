#include "auth/dpop/htu.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <cstddef>

#include "util/ascii.hpp"

namespace peerapi::auth::dpop {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

// RFC 3986 section 2.3.
bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 sections 6.2.2.1 and 6.2.2.2: triplets in uppercase hex, unreserved octets decoded;
// with `lowercase` (scheme, host) every other letter is lowercased.
void append_normalized(std::string& out, std::string_view encoded, bool lowercase) {
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%' && i + 2 < encoded.size()) {
      const int high = util::hex_digit_value(encoded[i + 1]);
      const int low = util::hex_digit_value(encoded[i + 2]);
      if (high >= 0 && low >= 0) {
        const auto octet = static_cast<unsigned char>(high * 16 + low);
        if (is_unreserved(octet)) {
          const char decoded = static_cast<char>(octet);
          out += lowercase ? util::ascii_lower(decoded) : decoded;
        } else {
          out += '%';
          out += kHexUpper[high];
          out += kHexUpper[low];
        }
        i += 2;
        continue;
      }
    }
    out += lowercase ? util::ascii_lower(c) : c;
  }
}

// Removes the last segment of `out` and the "/" before it (RFC 3986 section 5.2.4 step 2C).
void drop_last_segment(std::string& out) {
  const std::size_t slash = out.rfind('/');
  out.resize(slash == std::string::npos ? 0 : slash);
}

// RFC 3986 section 5.2.4, in one pass over the input.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const std::string_view rest = in.substr(i);
    if (rest.starts_with("../")) {
      i += 3;
    } else if (rest.starts_with("./")) {
      i += 2;
    } else if (rest.starts_with("/./")) {
      i += 2;
    } else if (rest == "/.") {
      out += '/';
      break;
    } else if (rest.starts_with("/../")) {
      i += 3;
      drop_last_segment(out);
    } else if (rest == "/..") {
      drop_last_segment(out);
      out += '/';
      break;
    } else if (rest == "." || rest == "..") {
      break;
    } else {
      std::size_t end = in.find('/', rest.front() == '/' ? i + 1 : i);
      if (end == std::string_view::npos)
        end = in.size();
      out.append(in.substr(i, end - i));
      i = end;
    }
  }
  return out;
}

std::string_view default_port(std::string_view lowercase_scheme) noexcept {
  if (lowercase_scheme == "http")
    return "80";
  if (lowercase_scheme == "https")
    return "443";
  return {};
}

}  // namespace

std::optional<std::string> normalize_htu(std::string_view uri) {
  auto parsed = boost::urls::parse_uri(uri);
  if (!parsed || !parsed->has_authority())
    return std::nullopt;
  const boost::urls::url_view& view = *parsed;

  std::string out;
  out.reserve(uri.size());
  append_normalized(out, view.scheme(), true);
  const std::string scheme = out;
  out += "://";
  if (view.has_userinfo()) {
    append_normalized(out, view.encoded_userinfo(), false);
    out += '@';
  }
  append_normalized(out, view.encoded_host(), true);
  if (view.has_port()) {
    std::string_view port = view.port();
    while (port.size() > 1 && port.front() == '0')
      port.remove_prefix(1);
    if (!port.empty() && port != default_port(scheme)) {
      out += ':';
      out += port;
    }
  }
  std::string path;
  append_normalized(path, view.encoded_path(), false);
  path = remove_dot_segments(path);
  out += path.empty() ? "/" : path;
  return out;
}

std::optional<std::string> htu_for(std::string_view uri) {
  auto parsed = boost::urls::parse_uri(uri);
  if (!parsed || !parsed->has_authority())
    return std::nullopt;
  boost::urls::url url(*parsed);
  url.remove_query();
  url.remove_fragment();
  return std::string(url.buffer());
}

}  // namespace peerapi::auth::dpop
