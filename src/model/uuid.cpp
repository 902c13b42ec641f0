#include "model/uuid.hpp"

#include <algorithm>

#include "util/ascii.hpp"

namespace peerapi::model {

Result<Uuid> Uuid::parse(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_uuid, std::string(field),
                "expected a UUID such as 3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10, got \"" +
                    std::string(text.substr(0, 40)) + (text.size() > 40 ? "...\"" : "\""));
  };
  if (text.size() != 36)
    return bad();
  std::array<std::uint8_t, 16> bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-')
        return bad();
      ++i;
      continue;
    }
    const int hi = util::hex_digit_value(text[i]);
    const int lo = util::hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0)
      return bad();
    bytes[out++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return Uuid(bytes);
}

Uuid Uuid::v4_from_bytes(std::array<std::uint8_t, 16> random) {
  random[6] = static_cast<std::uint8_t>((random[6] & 0x0f) | 0x40);
  random[8] = static_cast<std::uint8_t>((random[8] & 0x3f) | 0x80);
  return Uuid(random);
}

Uuid Uuid::v7_from(std::int64_t unix_ms, std::array<std::uint8_t, 16> random) {
  constexpr std::int64_t kMax48 = (std::int64_t{1} << 48) - 1;
  const auto ms = static_cast<std::uint64_t>(std::clamp<std::int64_t>(unix_ms, 0, kMax48));
  for (std::size_t i = 0; i < 6; ++i)
    random[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  random[6] = static_cast<std::uint8_t>((random[6] & 0x0f) | 0x70);
  random[8] = static_cast<std::uint8_t>((random[8] & 0x3f) | 0x80);
  return Uuid(random);
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    out += kHex[bytes_[i] >> 4];
    out += kHex[bytes_[i] & 0x0f];
  }
  return out;
}

}  // namespace peerapi::model
