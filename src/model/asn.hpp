// Autonomous System numbers (RFC 6793: 32-bit). Registry facts from IANA "Special-Purpose AS
// Numbers" (RFC 7300, RFC 5398, RFC 6996, RFC 7607).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::model {

class Asn {
 public:
  /// Accepts any ASN a network can hold: rejects 0 (RFC 7607), 23456 AS_TRANS (RFC 6793),
  /// 64198-64495, 65535 (RFC 7300), 65552-131071 and 4294967295 (RFC 7300) as IANA-reserved.
  /// Documentation (RFC 5398) and private-use (RFC 6996) ASNs are accepted.
  static Result<Asn> from_number(std::int64_t value, std::string_view field = "asn");
  /// Parses "64500", "AS64500" or "as64500".
  static Result<Asn> parse(std::string_view text, std::string_view field = "asn");

  [[nodiscard]] std::uint32_t value() const noexcept { return value_; }
  [[nodiscard]] std::string to_string() const;  // "AS64500"
  [[nodiscard]] bool is_private() const noexcept;
  [[nodiscard]] bool is_documentation() const noexcept;

  auto operator<=>(const Asn&) const = default;

 private:
  explicit Asn(std::uint32_t value) : value_(value) {}
  std::uint32_t value_;
};

}  // namespace peerapi::model
