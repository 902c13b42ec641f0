#include "sources/rpki/vrp_json.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <system_error>

namespace peerapi::sources::rpki {

namespace {

constexpr std::uint64_t kMaxAsn = std::numeric_limits<std::uint32_t>::max();

std::string kind_name(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a number with a fraction or exponent";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text.substr(0, 40))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out + (text.size() > 40 ? "...\"" : "\"");
}

/// An integer JSON value as int64, or nullopt for any other kind (or a uint64 above int64).
std::optional<std::int64_t> as_integer(const boost::json::value& value) {
  if (value.is_int64())
    return value.get_int64();
  if (value.is_uint64() &&
      value.get_uint64() <= std::uint64_t{std::numeric_limits<std::int64_t>::max()})
    return static_cast<std::int64_t>(value.get_uint64());
  if (value.is_uint64())
    return std::numeric_limits<std::int64_t>::max();
  return std::nullopt;
}

/// RFC 6482 asID: an integer 0..2^32-1, or "AS<n>" (any case, no leading zeros).
Result<std::uint32_t> parse_asn(const boost::json::value& value, const std::string& field) {
  if (const auto number = as_integer(value)) {
    if (*number < 0 || static_cast<std::uint64_t>(*number) > kMaxAsn) {
      return fail(ErrorCode::invalid_asn, field,
                  "an ASN is from 0 to 4294967295, got " + std::to_string(*number));
    }
    return static_cast<std::uint32_t>(*number);
  }
  if (!value.is_string()) {
    return fail(ErrorCode::wrong_type, field,
                "expected an integer or a string \"AS<n>\", got " + kind_name(value));
  }
  const std::string_view text = value.get_string();
  std::string_view digits = text;
  const bool has_as = digits.size() > 2 && (digits[0] == 'A' || digits[0] == 'a') &&
                      (digits[1] == 'S' || digits[1] == 's');
  if (has_as)
    digits.remove_prefix(2);
  std::uint64_t number = 0;
  const char* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, number);
  if (!has_as || digits.empty() || ec != std::errc{} || ptr != end ||
      (digits.size() > 1 && digits[0] == '0') || number > kMaxAsn) {
    return fail(ErrorCode::invalid_asn, field,
                "expected \"AS<n>\" with n from 0 to 4294967295, got " + quoted(text));
  }
  return static_cast<std::uint32_t>(number);
}

/// One `roas` element; the first problem found, with its field path.
Result<Vrp> parse_entry(const boost::json::value& value, const std::string& path) {
  const auto* object = value.if_object();
  if (object == nullptr)
    return fail(ErrorCode::wrong_type, path, "expected an object, got " + kind_name(value));
  const auto member = [&](std::string_view key) -> Result<const boost::json::value*> {
    const auto* found = object->if_contains(key);
    if (found == nullptr)
      return fail(ErrorCode::missing_field, join_path(path, key), "required");
    return found;
  };

  auto asn_value = member("asn");
  if (!asn_value)
    return std::unexpected(asn_value.error());
  auto asn = parse_asn(**asn_value, join_path(path, "asn"));
  if (!asn)
    return std::unexpected(asn.error());

  auto prefix_value = member("prefix");
  if (!prefix_value)
    return std::unexpected(prefix_value.error());
  const std::string prefix_field = join_path(path, "prefix");
  if (!(*prefix_value)->is_string()) {
    return fail(ErrorCode::wrong_type, prefix_field,
                "expected a prefix string, got " + kind_name(**prefix_value));
  }
  auto prefix = model::Prefix::parse((*prefix_value)->get_string(), prefix_field);
  if (!prefix)
    return std::unexpected(prefix.error());

  auto max_value = member("maxLength");
  if (!max_value)
    return std::unexpected(max_value.error());
  const std::string max_field = join_path(path, "maxLength");
  const auto max_length = as_integer(**max_value);
  if (!max_length) {
    return fail(ErrorCode::wrong_type, max_field,
                "expected an integer, got " + kind_name(**max_value));
  }
  return Vrp::make(*prefix, *max_length, *asn, max_field);
}

}  // namespace

Result<std::vector<Vrp>> parse_vrp_json(std::string_view text, VrpLoadReport& report,
                                        const VrpJsonOptions& options) {
  report = VrpLoadReport{};
  if (text.size() > options.max_bytes) {
    return fail(ErrorCode::data_invalid, "",
                "the VRP document is " + std::to_string(text.size()) + " bytes, above the cap of " +
                    std::to_string(options.max_bytes));
  }
  boost::json::monotonic_resource arena;
  boost::json::parse_options parse_options;
  parse_options.max_depth = 16;
  boost::system::error_code ec;
  const boost::json::value document =
      boost::json::parse(text, ec, boost::json::storage_ptr(&arena), parse_options);
  if (ec)
    return fail(ErrorCode::data_invalid, "", "not a JSON document: " + ec.message());
  const auto* root = document.if_object();
  const auto* roas_value = root == nullptr ? nullptr : root->if_contains("roas");
  const auto* roas = roas_value == nullptr ? nullptr : roas_value->if_array();
  if (roas == nullptr) {
    return fail(ErrorCode::data_invalid, "roas",
                "not a VRP document: expected an object with a \"roas\" array (rpki-client -j or "
                "Routinator JSON)");
  }
  if (roas->size() > options.max_entries) {
    return fail(ErrorCode::too_many_items, "roas",
                std::to_string(roas->size()) + " entries, above the cap of " +
                    std::to_string(options.max_entries));
  }

  const bool check_expiry = options.clock != nullptr;
  const std::int64_t now_s = check_expiry ? options.clock->now_ms() / 1000 : 0;
  std::vector<Vrp> out;
  out.reserve(roas->size());
  report.entries = roas->size();
  for (std::size_t i = 0; i < roas->size(); ++i) {
    const std::string path = "roas[" + std::to_string(i) + "]";
    const auto& element = (*roas)[i];
    auto vrp = parse_entry(element, path);
    std::optional<std::int64_t> expires;
    if (vrp) {
      const auto* object = element.if_object();
      if (const auto* value = object->if_contains("expires")) {
        expires = as_integer(*value);
        if (!expires) {
          vrp = fail(ErrorCode::wrong_type, join_path(path, "expires"),
                     "expected Unix seconds as an integer, got " + kind_name(*value));
        }
      }
    }
    if (!vrp) {
      ++report.skipped;
      if (report.problems.size() < VrpLoadReport::kMaxListed)
        report.problems.push_back({i, vrp.error()});
      continue;
    }
    if (check_expiry && expires && *expires <= now_s) {
      ++report.expired;
      continue;
    }
    out.push_back(*vrp);
  }
  report.loaded = out.size();
  return out;
}

Result<std::vector<Vrp>> load_vrp_file(const std::filesystem::path& path, VrpLoadReport& report,
                                       const VrpJsonOptions& options) {
  report = VrpLoadReport{};
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return fail(ErrorCode::io_error, "", "cannot read " + path.string() + ": " + ec.message());
  if (size > options.max_bytes) {
    return fail(ErrorCode::data_invalid, "",
                path.string() + " is " + std::to_string(size) + " bytes, above the cap of " +
                    std::to_string(options.max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, "", "cannot open " + path.string());
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (static_cast<std::size_t>(in.gcount()) != text.size())
    return fail(ErrorCode::io_error, "", "short read from " + path.string());
  return parse_vrp_json(text, report, options);
}

}  // namespace peerapi::sources::rpki
