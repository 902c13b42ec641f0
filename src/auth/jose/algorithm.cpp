#include "auth/jose/algorithm.hpp"

#include <array>

namespace peerapi::auth::jose {

namespace {
constexpr std::array<std::string_view, kAlgorithmCount> kNames = {
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
    "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};
}  // namespace

std::string_view to_string(Algorithm algorithm) noexcept {
  return kNames[static_cast<std::size_t>(algorithm)];
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept {
  // Names are case-sensitive (RFC 7515 section 4.1.1).
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name)
      return static_cast<Algorithm>(i);
  }
  return std::nullopt;
}

Result<AlgorithmSet> AlgorithmSet::parse(std::span<const std::string> names,
                                         std::string_view field) {
  AlgorithmSet set;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto algorithm = algorithm_from_name(names[i]);
    if (!algorithm) {
      return fail(ErrorCode::invalid_value, std::string(field) + "[" + std::to_string(i) + "]",
                  "unsupported JWS algorithm \"" + names[i] +
                      "\"; expected one of HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 "
                      "ES256 ES384 ES512 EdDSA (\"none\" is never accepted)");
    }
    set.insert(*algorithm);
  }
  return set;
}

std::string AlgorithmSet::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < kAlgorithmCount; ++i) {
    if (!contains(static_cast<Algorithm>(i)))
      continue;
    if (!out.empty())
      out += ", ";
    out += kNames[i];
  }
  return out;
}

}  // namespace peerapi::auth::jose
