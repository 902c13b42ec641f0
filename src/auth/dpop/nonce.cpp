#include "auth/dpop/nonce.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "util/crypto.hpp"

namespace peerapi::auth::dpop {
namespace {

// Domain separation: the same named secret could key another MAC elsewhere.
constexpr std::string_view kContext = "peerapi dpop-nonce v1\n";
constexpr std::size_t kTimestampBytes = 8;
constexpr std::size_t kMacBytes = 32;
// base64url of 40 octets without padding.
constexpr std::size_t kNonceChars = ((kTimestampBytes + kMacBytes) * 4 + 2) / 3;

std::string encode_timestamp(std::int64_t ms) {
  auto value = static_cast<std::uint64_t>(ms);
  std::string out(kTimestampBytes, '\0');
  for (std::size_t i = kTimestampBytes; i-- > 0;) {
    out[i] = static_cast<char>(value & 0xffU);
    value >>= 8U;
  }
  return out;
}

std::int64_t decode_timestamp(std::string_view bytes) {
  std::uint64_t value = 0;
  for (char c : bytes.substr(0, kTimestampBytes))
    value = (value << 8U) | static_cast<unsigned char>(c);
  return static_cast<std::int64_t>(value);
}

}  // namespace

NonceIssuer::NonceIssuer(std::string key, std::int64_t validity_ms)
    : key_(std::move(key)), validity_ms_(validity_ms) {
  if (key_.size() < kMinKeyBytes || validity_ms_ <= 0) {
    std::fputs("NonceIssuer: key shorter than 32 bytes or validity not positive\n", stderr);
    std::abort();
  }
}

std::string NonceIssuer::mac(std::string_view timestamp) const {
  std::string input(kContext);
  input.append(timestamp);
  return util::hmac_sha256(key_, input);
}

std::string NonceIssuer::issue(std::int64_t now_ms) const {
  std::string raw = encode_timestamp(now_ms);
  raw += mac(raw);
  return util::base64url_encode(raw);
}

bool NonceIssuer::check(std::string_view nonce, std::int64_t now_ms) const {
  if (nonce.size() != kNonceChars)
    return false;
  const std::optional<std::string> raw = util::base64url_decode(nonce);
  if (!raw || raw->size() != kTimestampBytes + kMacBytes)
    return false;
  const std::string_view bytes(*raw);
  const std::string_view timestamp = bytes.substr(0, kTimestampBytes);
  if (!util::constant_time_equal(mac(timestamp), bytes.substr(kTimestampBytes)))
    return false;
  const std::int64_t issued_ms = decode_timestamp(timestamp);
  std::int64_t age_ms = 0;
  if (__builtin_sub_overflow(now_ms, issued_ms, &age_ms))
    return false;
  return age_ms >= -kMaxIssuerSkewMs && age_ms < validity_ms_;
}

}  // namespace peerapi::auth::dpop
