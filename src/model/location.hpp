// Peering locations: "pdb:ix:<id>" (public, an IX) and "pdb:fac:<id>" (private, a facility).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::model {

enum class LocationType : std::uint8_t { public_peering, private_peering };

std::string_view to_string(LocationType type) noexcept;  // "public" / "private"
Result<LocationType> parse_location_type(std::string_view text, std::string_view field);

class LocationId {
 public:
  /// Parses "pdb:ix:<n>" or "pdb:fac:<n>" with n a PeeringDB id (1..2^31-1, no leading zero).
  static Result<LocationId> parse(std::string_view text, std::string_view field = "location");
  static LocationId ix(std::uint32_t id) { return LocationId(LocationType::public_peering, id); }
  static LocationId fac(std::uint32_t id) { return LocationId(LocationType::private_peering, id); }

  [[nodiscard]] LocationType type() const noexcept { return type_; }
  [[nodiscard]] std::uint32_t peeringdb_id() const noexcept { return id_; }
  [[nodiscard]] std::string to_string() const;

  auto operator<=>(const LocationId&) const = default;

 private:
  LocationId(LocationType type, std::uint32_t id) : type_(type), id_(id) {}
  LocationType type_;
  std::uint32_t id_;
};

}  // namespace peerapi::model
