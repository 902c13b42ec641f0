#include "auth/jose/json_text.hpp"

#include <string>

namespace peerapi::auth::jose::json_text {

Result<boost::json::value> parse(std::string_view text, std::size_t max_depth,
                                 std::string_view field, boost::json::storage_ptr storage) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(text, error, std::move(storage), options);
  if (error == boost::json::error::too_deep) {
    return fail(ErrorCode::too_deep, std::string(field),
                "JSON nested deeper than " + std::to_string(max_depth) + " levels");
  }
  if (error)
    return fail(ErrorCode::malformed_json, std::string(field), "not JSON: " + error.message());
  return value;
}

Result<std::optional<std::string_view>> optional_string(const boost::json::object& object,
                                                        std::string_view name) {
  const boost::json::value* member = object.if_contains(name);
  if (member == nullptr)
    return std::optional<std::string_view>{};
  if (!member->is_string())
    return fail(ErrorCode::wrong_type, std::string(name), "must be a string");
  return std::optional<std::string_view>{std::string_view(member->get_string())};
}

Result<std::string_view> required_string(const boost::json::object& object, std::string_view name) {
  auto member = optional_string(object, name);
  if (!member)
    return std::unexpected(member.error());
  if (!*member)
    return fail(ErrorCode::missing_field, std::string(name), "required");
  return **member;
}

}  // namespace peerapi::auth::jose::json_text
