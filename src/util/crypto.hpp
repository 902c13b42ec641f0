// Small digests and encodings on OpenSSL EVP, shared by the store, the API codec and auth.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

/// Raw SHA-512 digest (64 bytes).
std::string sha512(std::string_view data);
/// Standard base64 with "=" padding (RFC 4648 section 4).
std::string base64_encode(std::string_view data);
/// Decodes padded standard base64 (RFC 4648 section 4) strictly: the length is a multiple of 4,
/// only the alphabet and at most two "=" at the very end, and the unused bits before the padding
/// are zero (canonical encoding, section 3.5). nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace peerapi::util
