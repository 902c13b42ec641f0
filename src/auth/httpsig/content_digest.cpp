#include "auth/httpsig/content_digest.hpp"

#include <cassert>
#include <optional>
#include <utility>
#include <variant>

#include "util/crypto.hpp"

namespace peerapi::auth::httpsig {

namespace {

constexpr std::string_view kField = "content-digest";

std::optional<DigestAlgorithm> digest_algorithm(std::string_view key) noexcept {
  if (key == "sha-256")
    return DigestAlgorithm::sha256;
  if (key == "sha-512")
    return DigestAlgorithm::sha512;
  return std::nullopt;
}

std::string digest(DigestAlgorithm algorithm, std::string_view body) {
  return algorithm == DigestAlgorithm::sha256 ? util::sha256(body) : util::sha512(body);
}

}  // namespace

std::string_view to_string(DigestAlgorithm algorithm) noexcept {
  return algorithm == DigestAlgorithm::sha256 ? "sha-256" : "sha-512";
}

std::string content_digest_value(std::string_view body,
                                 std::initializer_list<DigestAlgorithm> algorithms) {
  assert(algorithms.size() > 0);
  std::string out;
  for (DigestAlgorithm algorithm : algorithms) {
    if (!out.empty())
      out += ", ";
    out += to_string(algorithm);
    out += "=:";
    out += util::base64_encode(digest(algorithm, body));
    out += ':';
  }
  return out;
}

Result<std::vector<DigestAlgorithm>> verify_content_digest(std::string_view field_value,
                                                           std::string_view body,
                                                           const sf::Limits& limits) {
  auto dictionary = sf::parse_dictionary(field_value, kField, limits);
  if (!dictionary)
    return std::unexpected(dictionary.error());
  std::vector<DigestAlgorithm> matched;
  for (const auto& [key, member] : dictionary->members()) {
    const std::optional<DigestAlgorithm> algorithm = digest_algorithm(key);
    if (!algorithm)
      continue;
    const auto* item = std::get_if<sf::Item>(&member);
    const auto* expected = item == nullptr ? nullptr : std::get_if<sf::ByteSequence>(&item->value);
    if (expected == nullptr)
      return fail(ErrorCode::invalid_value, join_path(kField, key),
                  "a digest must be a byte sequence (RFC 9530 section 2)");
    if (!util::constant_time_equal(expected->bytes, digest(*algorithm, body)))
      return fail(ErrorCode::unauthenticated, std::string(kField),
                  std::string(key) + " digest does not match the content");
    matched.push_back(*algorithm);
  }
  if (matched.empty())
    return fail(ErrorCode::unauthenticated, std::string(kField),
                "no sha-256 or sha-512 digest (RFC 9530 section 5)");
  return matched;
}

}  // namespace peerapi::auth::httpsig
