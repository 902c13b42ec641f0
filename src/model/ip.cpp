#include "model/ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace peerapi::model {

namespace {
constexpr std::size_t kMaxAddressText = 45;  // INET6_ADDRSTRLEN - 1

std::string shown(std::string_view text) {
  return "\"" + std::string(text.substr(0, 64)) + (text.size() > 64 ? "...\"" : "\"");
}
}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text, std::string_view field) {
  if (text.empty() || text.size() > kMaxAddressText) {
    return fail(ErrorCode::invalid_ip, std::string(field),
                "expected an IPv4 or IPv6 address, got " + shown(text));
  }
  char buffer[kMaxAddressText + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::array<std::uint8_t, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, bytes.data()) == 1)
      return IpAddress(IpFamily::v4, bytes);
  } else if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) {
    return IpAddress(IpFamily::v6, bytes);
  }
  return fail(ErrorCode::invalid_ip, std::string(field),
              "expected an IPv4 or IPv6 address, got " + shown(text));
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  std::array<std::uint8_t, 16> bytes{};
  bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  bytes[3] = static_cast<std::uint8_t>(host_order);
  return IpAddress(IpFamily::v4, bytes);
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN];
  const int af = is_v4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes_.data(), buffer, sizeof buffer) == nullptr)
    return {};
  return buffer;
}

Result<Prefix> Prefix::parse(std::string_view text, std::string_view field) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return fail(ErrorCode::invalid_value, std::string(field),
                "expected a prefix such as 198.51.100.0/24, got " + shown(text));
  }
  auto address = IpAddress::parse(text.substr(0, slash), field);
  if (!address)
    return std::unexpected(address.error());
  const std::string_view length_text = text.substr(slash + 1);
  int length = -1;
  auto [ptr, ec] =
      std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  if (length_text.empty() || length_text.size() > 3 || ec != std::errc{} ||
      ptr != length_text.data() + length_text.size() || length < 0 ||
      length > address->max_length()) {
    return fail(ErrorCode::invalid_value, std::string(field),
                "prefix length must be 0-" + std::to_string(address->max_length()) + ", got " +
                    shown(text));
  }
  const auto& bytes = address->bytes();
  for (int bit = length; bit < address->max_length(); ++bit) {
    if (bytes[static_cast<std::size_t>(bit / 8)] & (0x80 >> (bit % 8))) {
      return fail(ErrorCode::invalid_value, std::string(field),
                  "prefix " + shown(text) + " has host bits set");
    }
  }
  return Prefix(*address, length);
}

bool Prefix::contains(const IpAddress& address) const noexcept {
  if (address.family() != network_.family())
    return false;
  const auto& a = address.bytes();
  const auto& n = network_.bytes();
  int remaining = length_;
  for (std::size_t i = 0; remaining > 0; ++i, remaining -= 8) {
    const auto mask = static_cast<std::uint8_t>(remaining >= 8 ? 0xff : (0xff << (8 - remaining)));
    if ((a[i] & mask) != (n[i] & mask))
      return false;
  }
  return true;
}

std::string Prefix::to_string() const {
  return network_.to_string() + "/" + std::to_string(length_);
}

}  // namespace peerapi::model
