#include "sources/rpki/vrp.hpp"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace peerapi::sources::rpki {

namespace {

int family_bits(model::IpFamily family) noexcept {
  return family == model::IpFamily::v4 ? 32 : 128;
}

std::size_t family_bytes(model::IpFamily family) noexcept {
  return family == model::IpFamily::v4 ? 4 : 16;
}

}  // namespace

Result<Vrp> Vrp::make(const model::Prefix& prefix, std::int64_t max_length, std::uint32_t asn,
                      std::string_view max_length_field) {
  const int bits = prefix.network().max_length();
  if (max_length < prefix.length() || max_length > bits) {
    return fail(ErrorCode::out_of_range, std::string(max_length_field),
                "maxLength must be from the prefix length " + std::to_string(prefix.length()) +
                    " to " + std::to_string(bits) + ", got " + std::to_string(max_length));
  }
  return Vrp{prefix, static_cast<std::uint8_t>(max_length), asn};
}

bool Vrp::valid() const noexcept {
  return max_length >= prefix.length() && max_length <= prefix.network().max_length();
}

std::string_view to_string(RovState state) noexcept {
  switch (state) {
    case RovState::valid:
      return "valid";
    case RovState::invalid:
      return "invalid";
    case RovState::not_found:
      return "not-found";
  }
  return "not-found";
}

std::size_t VrpRecordHash::operator()(const VrpRecord& record) const noexcept {
  // FNV-1a over the fields that define the record.
  std::uint64_t hash = 1469598103934665603ULL;
  const auto mix = [&hash](std::uint8_t byte) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  };
  for (std::size_t i = 0; i < family_bytes(record.family); ++i)
    mix(record.address[i]);
  for (int shift = 0; shift < 32; shift += 8)
    mix(static_cast<std::uint8_t>(record.asn >> shift));
  mix(static_cast<std::uint8_t>(record.family));
  mix(record.prefix_length);
  mix(record.max_length);
  return static_cast<std::size_t>(hash);
}

Result<VrpRecord> make_record(model::IpFamily family, const std::uint8_t* address,
                              int prefix_length, int max_length, std::uint32_t asn,
                              std::string_view field) {
  const int bits = family_bits(family);
  if (prefix_length < 0 || prefix_length > bits) {
    return fail(ErrorCode::out_of_range, join_path(field, "prefix_length"),
                "prefix length must be 0-" + std::to_string(bits) + ", got " +
                    std::to_string(prefix_length));
  }
  if (max_length < prefix_length || max_length > bits) {
    return fail(ErrorCode::out_of_range, join_path(field, "max_length"),
                "max length must be from the prefix length " + std::to_string(prefix_length) +
                    " to " + std::to_string(bits) + ", got " + std::to_string(max_length));
  }
  VrpRecord record;
  record.family = family;
  record.prefix_length = static_cast<std::uint8_t>(prefix_length);
  record.max_length = static_cast<std::uint8_t>(max_length);
  record.asn = asn;
  std::memcpy(record.address.data(), address, family_bytes(family));
  for (int bit = prefix_length; bit < bits; ++bit) {
    if (record.address[static_cast<std::size_t>(bit / 8)] & (0x80 >> (bit % 8))) {
      return fail(ErrorCode::invalid_value, join_path(field, "prefix"),
                  "the prefix has host bits set beyond /" + std::to_string(prefix_length));
    }
  }
  return record;
}

VrpRecord to_record(const Vrp& vrp) noexcept {
  VrpRecord record;
  record.family = vrp.prefix.family();
  record.prefix_length = static_cast<std::uint8_t>(vrp.prefix.length());
  record.max_length = vrp.max_length;
  record.asn = vrp.asn;
  std::memcpy(record.address.data(), vrp.prefix.network().bytes().data(),
              family_bytes(record.family));
  return record;
}

Vrp to_vrp(const VrpRecord& record) {
  char text[INET6_ADDRSTRLEN + 4];
  const int af = record.family == model::IpFamily::v4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, record.address.data(), text, INET6_ADDRSTRLEN) == nullptr)
    std::abort();  // the buffer is large enough for any address
  std::string prefix_text(text);
  prefix_text += '/';
  prefix_text += std::to_string(record.prefix_length);
  auto prefix = model::Prefix::parse(prefix_text);
  if (!prefix)
    std::abort();  // records hold a canonical prefix by construction
  return Vrp{*prefix, record.max_length, record.asn};
}

}  // namespace peerapi::sources::rpki
