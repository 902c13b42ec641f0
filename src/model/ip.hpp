// IP addresses and prefixes as plain values (no socket types in the core).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::model {

enum class IpFamily : std::uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
 public:
  /// Parses dotted-quad IPv4 (no leading zeros) or RFC 4291 IPv6 text. Rejects zone ids,
  /// prefixes and surrounding whitespace.
  static Result<IpAddress> parse(std::string_view text, std::string_view field = "ip");
  static IpAddress v4(std::uint32_t host_order);

  [[nodiscard]] IpFamily family() const noexcept { return family_; }
  [[nodiscard]] bool is_v4() const noexcept { return family_ == IpFamily::v4; }
  /// Canonical text: dotted quad, or RFC 5952 for IPv6.
  [[nodiscard]] std::string to_string() const;
  /// Network-order bytes; an IPv4 address uses the first 4.
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
  [[nodiscard]] int max_length() const noexcept { return is_v4() ? 32 : 128; }

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpAddress(IpFamily family, const std::array<std::uint8_t, 16>& bytes)
      : family_(family), bytes_(bytes) {}
  IpFamily family_ = IpFamily::v4;
  std::array<std::uint8_t, 16> bytes_{};
};

class Prefix {
 public:
  /// Parses "198.51.100.0/24" or "2001:db8::/32". Host bits must be zero.
  static Result<Prefix> parse(std::string_view text, std::string_view field = "prefix");

  [[nodiscard]] const IpAddress& network() const noexcept { return network_; }
  [[nodiscard]] int length() const noexcept { return length_; }
  [[nodiscard]] IpFamily family() const noexcept { return network_.family(); }
  [[nodiscard]] bool contains(const IpAddress& address) const noexcept;
  [[nodiscard]] std::string to_string() const;

  auto operator<=>(const Prefix&) const = default;

 private:
  Prefix(IpAddress network, int length) : network_(network), length_(length) {}
  IpAddress network_;
  int length_ = 0;
};

}  // namespace peerapi::model
