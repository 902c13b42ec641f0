// JSON helpers shared by the JWK and JWS parsers (internal to auth/jose). Boost.JSON keeps only the
// lexically last of duplicate member names, which RFC 7515 section 5.2 and RFC 7519 section 4
// allow a parser to do.
#pragma once

#include <boost/json.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::auth::jose::json_text {

/// Parses `text` as one JSON value at most `max_depth` levels deep: malformed_json or too_deep at
/// `field` on failure. No exception escapes except std::bad_alloc. The value's memory comes from
/// `storage` (the default resource when null).
Result<boost::json::value> parse(std::string_view text, std::size_t max_depth,
                                 std::string_view field, boost::json::storage_ptr storage = {});

/// The string member `name` of `object`; nullopt when absent; wrong_type at `name` otherwise.
Result<std::optional<std::string_view>> optional_string(const boost::json::object& object,
                                                        std::string_view name);

/// The string member `name`; missing_field or wrong_type at `name`.
Result<std::string_view> required_string(const boost::json::object& object, std::string_view name);

}  // namespace peerapi::auth::jose::json_text
