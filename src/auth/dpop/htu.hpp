// The comparison form of a DPoP "htu" claim and of a request's target URI (RFC 9449 section 4.3
// step 9, which asks for the syntax- and scheme-based normalization of RFC 3986 sections 6.2.2
// and 6.2.3 and ignores query and fragment).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace peerapi::auth::dpop {

/// `uri` as an absolute URI with an authority, normalized for comparison:
/// - scheme and host in lowercase (RFC 3986 section 6.2.2.1);
/// - percent-encoded triplets in uppercase hex, and those encoding unreserved characters
///   decoded (section 6.2.2.2); reserved ones such as %2F stay encoded;
/// - dot segments removed from the path (sections 6.2.2.3 and 5.2.4);
/// - an empty port and the scheme's default port (80 for http, 443 for https) removed, an empty
///   path written as "/" (section 6.2.3);
/// - query and fragment dropped.
/// nullopt when `uri` is not an absolute URI with an authority (RFC 3986 section 4.3).
std::optional<std::string> normalize_htu(std::string_view uri);

/// `uri` with its query and fragment removed and nothing else changed (the "htu" a client sends,
/// RFC 9449 section 4.2); nullopt when `uri` is not an absolute URI with an authority.
std::optional<std::string> htu_for(std::string_view uri);

}  // namespace peerapi::auth::dpop
