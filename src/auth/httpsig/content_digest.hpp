// Content-Digest (RFC 9530 section 2): a Dictionary (RFC 8941) from hash algorithm keys to Byte
// Sequences holding the digest of the message content. Used with RFC 9421 signatures: the
// signature covers the "content-digest" field, and the field is checked against the body.
//
// Contract:
// - Supported algorithms are "sha-256" and "sha-512" (RFC 9530 section 5, both "Active").
//   Every other key ("md5", "sha", "unixsum", ..., registered or not) is ignored, whatever its
//   value, as section 2 allows; a message verifies only if at least one supported algorithm is
//   present and every supported algorithm present matches the body.
// - Syntax errors (not a Dictionary, too large, a supported key whose value is not a Byte
//   Sequence) are invalid_value; a missing supported digest or a mismatch is unauthenticated.
//   The field path is "content-digest", or "content-digest.<algorithm>" for a bad member.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "auth/httpsig/structured_fields.hpp"
#include "model/error.hpp"

namespace peerapi::auth::httpsig {

enum class DigestAlgorithm : std::uint8_t { sha256, sha512 };

/// The RFC 9530 registry key: "sha-256", "sha-512".
std::string_view to_string(DigestAlgorithm algorithm) noexcept;

/// The Content-Digest field value for `body` with each algorithm in order, e.g.
/// "sha-512=:WZDPaVn/...==:" (RFC 9530 section 2). `algorithms` must not be empty.
std::string content_digest_value(std::string_view body,
                                 std::initializer_list<DigestAlgorithm> algorithms = {
                                     DigestAlgorithm::sha512});

/// Checks a received Content-Digest field value (all field lines joined with ", ") against
/// `body` as described above; returns the supported algorithms that matched, in field order.
Result<std::vector<DigestAlgorithm>> verify_content_digest(std::string_view field_value,
                                                           std::string_view body,
                                                           const sf::Limits& limits = {});

}  // namespace peerapi::auth::httpsig
