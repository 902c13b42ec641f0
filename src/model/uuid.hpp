// UUIDs (RFC 9562) used as request and session identifiers.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::model {

class Uuid {
 public:
  /// Parses the 36-character hyphenated form, either case. Output is always lowercase.
  static Result<Uuid> parse(std::string_view text, std::string_view field = "id");
  /// A version 4 UUID from 16 random bytes (version and variant bits are set here).
  static Uuid v4_from_bytes(std::array<std::uint8_t, 16> random);

  [[nodiscard]] std::string to_string() const;
  auto operator<=>(const Uuid&) const = default;

 private:
  explicit Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace peerapi::model
