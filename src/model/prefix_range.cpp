#include "model/prefix_range.hpp"

#include <charconv>
#include <optional>

namespace peerapi::model {

namespace {

std::optional<int> parse_length(std::string_view text) {
  int value = -1;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 3 || ec != std::errc{} || ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

}  // namespace

std::string to_string(const PrefixRange& range) {
  std::string text = range.prefix.to_string();
  if (range.min_length != range.prefix.length() || range.max_length != range.prefix.length()) {
    text += '{';
    text += std::to_string(range.min_length);
    text += ',';
    text += std::to_string(range.max_length);
    text += '}';
  }
  return text;
}

Result<PrefixRange> parse_prefix_range(std::string_view text, std::string_view field) {
  const std::size_t brace = text.find('{');
  auto prefix = Prefix::parse(text.substr(0, brace), field);
  if (!prefix)
    return fail(ErrorCode::invalid_value, std::string(field), prefix.error().message);
  PrefixRange range{*prefix, prefix->length(), prefix->length()};
  if (brace == std::string_view::npos)
    return range;
  const std::string_view lengths = text.substr(brace + 1);
  const std::size_t comma = lengths.find(',');
  std::optional<int> low;
  std::optional<int> high;
  if (comma != std::string_view::npos && lengths.ends_with('}')) {
    low = parse_length(lengths.substr(0, comma));
    high = parse_length(lengths.substr(comma + 1, lengths.size() - comma - 2));
  }
  const int max = prefix->network().max_length();
  if (!low || !high || *low < prefix->length() || *low > *high || *high > max) {
    return fail(ErrorCode::invalid_value, std::string(field),
                "expected PREFIX{MIN,MAX} with prefix length <= MIN <= MAX <= " +
                    std::to_string(max) + ", got \"" + std::string(text.substr(0, 80)) + "\"");
  }
  range.min_length = *low;
  range.max_length = *high;
  return range;
}

bool matches(const PrefixRange& range, const Prefix& route) {
  return route.family() == range.prefix.family() && route.length() >= range.min_length &&
         route.length() <= range.max_length && route.length() >= range.prefix.length() &&
         range.prefix.contains(route.network());
}

}  // namespace peerapi::model
