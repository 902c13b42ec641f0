// libFuzzer target for Content-Digest (RFC 9530 section 2) on the RFC 8941 Dictionary parser:
// the untrusted field value a signed request carries next to its body. Input: the field value,
// NUL, the body (no NUL: the body is empty). Traps when a property breaks:
// - the value content_digest_value() writes for the body verifies, for sha-256, sha-512 and
//   both, and names the algorithms in field order;
// - the outcome agrees with a naive reading of the parsed Dictionary: ok exactly when at least
//   one sha-256 / sha-512 member is present and every one of them is a Byte Sequence holding
//   the body's digest; invalid_value at "content-digest.<key>" for a member that is not a Byte
//   Sequence, else unauthenticated at "content-digest"; syntax errors are invalid_value;
// - an accepted value stays accepted in its canonical serialization, and is refused for any
//   other body and once a wrong sha-256 member is appended (the last member of a key wins,
//   RFC 8941 section 4.2.2).
// Seeds: fuzz/corpus/content_digest/ (RFC 9530 appendix B and section 2, RFC 9421 B.2).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/httpsig/content_digest.hpp"
#include "auth/httpsig/structured_fields.hpp"
#include "util/crypto.hpp"

namespace {

namespace httpsig = peerapi::auth::httpsig;
namespace sf = peerapi::auth::httpsig::sf;
using httpsig::DigestAlgorithm;
using peerapi::ErrorCode;
using peerapi::Result;

void require(bool property) {
  if (!property)
    __builtin_trap();
}

/// What verify_content_digest should answer, from the parsed Dictionary.
struct Expected {
  bool ok = false;
  ErrorCode code = ErrorCode::unauthenticated;
  std::string field = "content-digest";
  std::vector<DigestAlgorithm> matched;
};

Expected naive(const sf::Dictionary& dictionary, std::string_view body) {
  Expected expected;
  for (const auto& [key, member] : dictionary.members()) {
    std::optional<DigestAlgorithm> algorithm;
    if (key == "sha-256")
      algorithm = DigestAlgorithm::sha256;
    else if (key == "sha-512")
      algorithm = DigestAlgorithm::sha512;
    else
      continue;
    const auto* item = std::get_if<sf::Item>(&member);
    const auto* bytes = item == nullptr ? nullptr : std::get_if<sf::ByteSequence>(&item->value);
    if (bytes == nullptr) {
      expected.code = ErrorCode::invalid_value;
      expected.field = "content-digest." + key;
      return expected;
    }
    const std::string digest = *algorithm == DigestAlgorithm::sha256 ? peerapi::util::sha256(body)
                                                                     : peerapi::util::sha512(body);
    if (bytes->bytes != digest)
      return expected;
    expected.matched.push_back(*algorithm);
  }
  expected.ok = !expected.matched.empty();
  return expected;
}

void check_generated(std::string_view body) {
  const auto sha256 = httpsig::verify_content_digest(
      httpsig::content_digest_value(body, {DigestAlgorithm::sha256}), body);
  require(sha256 && *sha256 == std::vector{DigestAlgorithm::sha256});
  const auto sha512 = httpsig::verify_content_digest(httpsig::content_digest_value(body), body);
  require(sha512 && *sha512 == std::vector{DigestAlgorithm::sha512});
  const auto both = httpsig::verify_content_digest(
      httpsig::content_digest_value(body, {DigestAlgorithm::sha512, DigestAlgorithm::sha256}),
      body);
  require(both && *both == (std::vector{DigestAlgorithm::sha512, DigestAlgorithm::sha256}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view value = input.substr(0, nul);
  const std::string_view body =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  check_generated(body);

  const Result<std::vector<DigestAlgorithm>> verified = httpsig::verify_content_digest(value, body);
  const Result<sf::Dictionary> dictionary = sf::parse_dictionary(value, "content-digest");
  if (!dictionary) {
    require(!verified && verified.error().code == ErrorCode::invalid_value &&
            verified.error().field == "content-digest");
    return 0;
  }
  const Expected expected = naive(*dictionary, body);
  require(verified.has_value() == expected.ok);
  if (!verified) {
    require(verified.error().code == expected.code && verified.error().field == expected.field);
    return 0;
  }
  require(*verified == expected.matched);

  const Result<std::string> canonical = sf::serialize(*dictionary);
  require(canonical.has_value());
  const auto again = httpsig::verify_content_digest(*canonical, body);
  require(again && *again == *verified);

  const std::string other_body = std::string(body) + "x";
  require(!httpsig::verify_content_digest(value, other_body).has_value());
  const std::string wrong = std::string(value) +
                            ", sha-256=:" + peerapi::util::base64_encode(std::string(32, '\0')) +
                            ":";
  const auto tampered = httpsig::verify_content_digest(wrong, body);
  // The appended member may push a value at the size or member limit over it: still refused.
  require(!tampered.has_value());
  return 0;
}
