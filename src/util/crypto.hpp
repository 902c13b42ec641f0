// Small digests and encodings on OpenSSL EVP, shared by the store, the API codec and auth.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace peerapi::util {

/// Raw SHA-256 digest (32 bytes).
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
/// Raw HMAC-SHA-256 (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Constant-time equality for secrets of possibly different lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

std::string base64url_encode(std::string_view data);  // RFC 4648 section 5, no padding
/// Decodes unpadded base64url; nullopt on any character outside the alphabet or bad length.
std::optional<std::string> base64url_decode(std::string_view text);
std::string hex_encode(std::string_view data);

/// A raw SHA-256 digest held by value, for hot paths that should not allocate.
using Sha256Digest = std::array<unsigned char, 32>;
/// SHA-256 of `data`; the same octets as sha256(data).
Sha256Digest sha256_digest(std::string_view data);
/// SHA-256 of data.substr(0, prefix_size) (first) and of all of `data` (second), reading the
/// common prefix once. prefix_size is clamped to data.size().
std::pair<Sha256Digest, Sha256Digest> sha256_prefix_and_whole(std::string_view data,
                                                              std::size_t prefix_size);
/// Decodes unpadded base64url like base64url_decode, into `out` (out_size octets available);
/// the decoded size, or nullopt when the text is not canonical or does not fit.
std::optional<std::size_t> base64url_decode_into(std::string_view text, unsigned char* out,
                                                 std::size_t out_size);

/// Raw SHA-512 digest (64 bytes).
std::string sha512(std::string_view data);
/// Standard base64 with "=" padding (RFC 4648 section 4).
std::string base64_encode(std::string_view data);
/// Decodes padded standard base64 (RFC 4648 section 4) strictly: the length is a multiple of 4,
/// only the alphabet and at most two "=" at the very end, and the unused bits before the padding
/// are zero (canonical encoding, section 3.5). nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace peerapi::util
