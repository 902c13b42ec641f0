#include "model/location.hpp"

#include <charconv>

namespace peerapi::model {

std::string_view to_string(LocationType type) noexcept {
  return type == LocationType::public_peering ? "public" : "private";
}

Result<LocationType> parse_location_type(std::string_view text, std::string_view field) {
  if (text == "public")
    return LocationType::public_peering;
  if (text == "private")
    return LocationType::private_peering;
  return fail(
      ErrorCode::invalid_value, std::string(field),
      "expected \"public\" or \"private\", got \"" + std::string(text.substr(0, 40)) + "\"");
}

Result<LocationId> LocationId::parse(std::string_view text, std::string_view field) {
  LocationType type;
  std::string_view digits;
  if (text.starts_with("pdb:ix:")) {
    type = LocationType::public_peering;
    digits = text.substr(7);
  } else if (text.starts_with("pdb:fac:")) {
    type = LocationType::private_peering;
    digits = text.substr(8);
  } else {
    return fail(ErrorCode::invalid_location, std::string(field),
                "expected a location id \"pdb:ix:<PeeringDB ix id>\" or \"pdb:fac:<PeeringDB fac "
                "id>\", got \"" +
                    std::string(text.substr(0, 40)) + "\"");
  }
  std::uint32_t id = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size() || id == 0 ||
      id > 0x7fffffffU || digits[0] == '0') {
    return fail(ErrorCode::invalid_location, std::string(field),
                "the PeeringDB id in \"" + std::string(text.substr(0, 40)) +
                    "\" must be a positive integer without leading zeros");
  }
  return LocationId(type, id);
}

std::string LocationId::to_string() const {
  return std::string(type_ == LocationType::public_peering ? "pdb:ix:" : "pdb:fac:") +
         std::to_string(id_);
}

}  // namespace peerapi::model
