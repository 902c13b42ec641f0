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
  /// A version 7 UUID (RFC 9562 section 5.7): the 48-bit Unix time in milliseconds, then 74
  /// random bits. Server-assigned ids use it so that ids created close in time sort close
  /// together, and the store's indexes grow at their end instead of at random pages. `unix_ms`
  /// is clamped to the 48-bit range (0 .. year 10889).
  static Uuid v7_from(std::int64_t unix_ms, std::array<std::uint8_t, 16> random);

  [[nodiscard]] std::string to_string() const;
  auto operator<=>(const Uuid&) const = default;

 private:
  explicit Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace peerapi::model
