// Timestamps as they appear on the wire: RFC 3339 in session objects (docs/wire.md) and the
// HTTP-date of Retry-After (RFC 9110 sections 5.6.7 and 10.2.3). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace peerapi::client {

/// RFC 3339 date-time (section 5.6), "T"/"Z" in either case, with "Z" or a numeric offset, to
/// Unix milliseconds (fractions beyond milliseconds are truncated, a leap second reads as :59).
/// nullopt for anything else, including impossible dates (Feb 30) and years before 1970.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

/// An HTTP-date in any of the three forms a recipient must accept (RFC 9110 section 5.6.7):
/// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", rfc850-date "Sunday, 06-Nov-94 08:49:37 GMT"
/// (a two-digit year more than 50 years ahead of `now_ms` is the previous century) and asctime
/// "Sun Nov  6 08:49:37 1994". Unix milliseconds, or nullopt.
std::optional<std::int64_t> parse_http_date(std::string_view text, std::int64_t now_ms);

/// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, as a delay in
/// milliseconds from `now_ms` (a date in the past is 0; delays are capped at one day).
/// nullopt when the value is neither.
std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_ms);

}  // namespace peerapi::client
