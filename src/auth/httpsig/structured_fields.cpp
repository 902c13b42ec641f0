#include "auth/httpsig/structured_fields.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "util/crypto.hpp"

namespace peerapi::auth::httpsig::sf {

namespace {

bool is_lcalpha(char c) noexcept {
  return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
/// tchar (RFC 9110 section 5.6.2).
bool is_tchar(char c) noexcept {
  if (is_alpha(c) || is_digit(c))
    return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}
bool is_key_char(char c) noexcept {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == '*';
}
bool is_base64_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '=';
}

/// One pass over the input, following the section 4.2 algorithms. Every step consumes at least
/// one character or fails, so the cost is linear in the (bounded) input.
class Parser {
 public:
  Parser(std::string_view input, std::string_view field, const Limits& limits)
      : input_(input), field_(field), limits_(limits) {}

  Result<List> list() {
    List members;
    while (!at_end()) {
      if (members.size() >= limits_.max_members)
        return error("more than " + std::to_string(limits_.max_members) + " list members");
      auto member = item_or_inner_list();
      if (!member)
        return std::unexpected(member.error());
      members.push_back(std::move(*member));
      skip_ows();
      if (at_end())
        return members;
      if (peek() != ',')
        return error("expected ',' after a list member");
      ++pos_;
      skip_ows();
      if (at_end())
        return error("trailing ',' in a list");
    }
    return members;
  }

  Result<Dictionary> dictionary(DuplicateKeys duplicates) {
    Dictionary dictionary;
    std::size_t parsed = 0;
    while (!at_end()) {
      if (parsed >= limits_.max_members)
        return error("more than " + std::to_string(limits_.max_members) + " dictionary members");
      ++parsed;
      const std::size_t key_at = pos_;
      auto this_key = key();
      if (!this_key)
        return std::unexpected(this_key.error());
      ListMember member;
      if (!at_end() && peek() == '=') {
        ++pos_;
        auto value = item_or_inner_list();
        if (!value)
          return std::unexpected(value.error());
        member = std::move(*value);
      } else {
        auto params = parameters();
        if (!params)
          return std::unexpected(params.error());
        member = Item{BareItem(std::in_place_type<bool>, true), std::move(*params)};
      }
      if (duplicates == DuplicateKeys::reject && dictionary.find(*this_key) != nullptr)
        return error_at(key_at, "duplicate dictionary key \"" + *this_key + "\"");
      dictionary.set(std::move(*this_key), std::move(member));
      skip_ows();
      if (at_end())
        return dictionary;
      if (peek() != ',')
        return error("expected ',' after a dictionary member");
      ++pos_;
      skip_ows();
      if (at_end())
        return error("trailing ',' in a dictionary");
    }
    return dictionary;
  }

  Result<Item> item() {
    auto value = bare_item();
    if (!value)
      return std::unexpected(value.error());
    auto params = parameters();
    if (!params)
      return std::unexpected(params.error());
    return Item{std::move(*value), std::move(*params)};
  }

  void skip_sp() {
    while (!at_end() && peek() == ' ')
      ++pos_;
  }
  [[nodiscard]] bool at_end() const noexcept { return pos_ >= input_.size(); }
  std::unexpected<Error> error(std::string message) const { return error_at(pos_, message); }

 private:
  [[nodiscard]] char peek() const noexcept { return input_[pos_]; }

  void skip_ows() {
    while (!at_end() && (peek() == ' ' || peek() == '\t'))
      ++pos_;
  }

  std::unexpected<Error> error_at(std::size_t at, const std::string& message) const {
    return fail(ErrorCode::invalid_value, std::string(field_),
                "structured field: " + message + " at offset " + std::to_string(at));
  }

  Result<ListMember> item_or_inner_list() {
    if (!at_end() && peek() == '(') {
      auto inner = inner_list();
      if (!inner)
        return std::unexpected(inner.error());
      return ListMember(std::move(*inner));
    }
    auto single = item();
    if (!single)
      return std::unexpected(single.error());
    return ListMember(std::move(*single));
  }

  // Section 4.2.1.2.
  Result<InnerList> inner_list() {
    ++pos_;  // "("
    InnerList inner;
    while (!at_end()) {
      skip_sp();
      if (at_end())
        break;
      if (peek() == ')') {
        ++pos_;
        auto params = parameters();
        if (!params)
          return std::unexpected(params.error());
        inner.params = std::move(*params);
        return inner;
      }
      if (inner.items.size() >= limits_.max_members)
        return error("more than " + std::to_string(limits_.max_members) + " inner list items");
      auto member = item();
      if (!member)
        return std::unexpected(member.error());
      inner.items.push_back(std::move(*member));
      if (at_end())
        break;
      if (peek() != ' ' && peek() != ')')
        return error("expected SP or ')' after an inner list item");
    }
    return error("unterminated inner list");
  }

  // Section 4.2.3.2.
  Result<Parameters> parameters() {
    Parameters params;
    std::size_t parsed = 0;
    while (!at_end() && peek() == ';') {
      if (parsed >= limits_.max_params)
        return error("more than " + std::to_string(limits_.max_params) + " parameters");
      ++parsed;
      ++pos_;
      skip_sp();
      auto param_key = key();
      if (!param_key)
        return std::unexpected(param_key.error());
      BareItem value(std::in_place_type<bool>, true);
      if (!at_end() && peek() == '=') {
        ++pos_;
        auto parsed_value = bare_item();
        if (!parsed_value)
          return std::unexpected(parsed_value.error());
        value = std::move(*parsed_value);
      }
      params.set(std::move(*param_key), std::move(value));
    }
    return params;
  }

  // Section 4.2.3.3.
  Result<std::string> key() {
    if (at_end() || !(is_lcalpha(peek()) || peek() == '*'))
      return error("expected a key (lowercase letter or '*')");
    const std::size_t start = pos_;
    while (!at_end() && is_key_char(peek()))
      ++pos_;
    return std::string(input_.substr(start, pos_ - start));
  }

  // Section 4.2.3.1.
  Result<BareItem> bare_item() {
    if (at_end())
      return error("expected an item");
    const char c = peek();
    if (c == '-' || is_digit(c))
      return number();
    if (c == '"')
      return string();
    if (c == ':')
      return byte_sequence();
    if (c == '?')
      return boolean();
    if (is_alpha(c) || c == '*')
      return token();
    return error("unexpected character at the start of an item");
  }

  // Section 4.2.4.
  Result<BareItem> number() {
    const std::size_t start = pos_;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (at_end() || !is_digit(peek()))
      return error("expected a digit");
    bool is_decimal = false;
    std::size_t digits_start = pos_;
    std::size_t dot = 0;
    while (!at_end()) {
      const char c = peek();
      if (is_digit(c)) {
        ++pos_;
      } else if (!is_decimal && c == '.') {
        if (pos_ - digits_start > 12)
          return error_at(start, "decimal with more than 12 integer digits");
        is_decimal = true;
        dot = pos_;
        ++pos_;
      } else {
        break;
      }
      const std::size_t length = pos_ - digits_start;
      if (!is_decimal && length > 15)
        return error_at(start, "integer with more than 15 digits");
      if (is_decimal && length > 16)
        return error_at(start, "decimal with more than 16 characters");
    }
    if (!is_decimal) {
      std::int64_t value = 0;
      std::from_chars(input_.data() + digits_start, input_.data() + pos_, value);
      return BareItem(std::in_place_type<std::int64_t>, negative ? -value : value);
    }
    if (dot + 1 == pos_)
      return error_at(start, "decimal ends with '.'");
    const std::size_t fraction_digits = pos_ - dot - 1;
    if (fraction_digits > 3)
      return error_at(start, "decimal with more than 3 fraction digits");
    std::int64_t whole = 0;
    std::from_chars(input_.data() + digits_start, input_.data() + dot, whole);
    std::int64_t fraction = 0;
    std::from_chars(input_.data() + dot + 1, input_.data() + pos_, fraction);
    for (std::size_t i = fraction_digits; i < 3; ++i)
      fraction *= 10;
    const std::int64_t thousandths = whole * 1000 + fraction;
    return BareItem(Decimal{negative ? -thousandths : thousandths});
  }

  // Section 4.2.5.
  Result<BareItem> string() {
    const std::size_t start = pos_;
    ++pos_;  // DQUOTE
    std::string out;
    while (!at_end()) {
      const char c = input_[pos_++];
      if (c == '\\') {
        if (at_end())
          return error_at(start, "unterminated string");
        const char next = input_[pos_++];
        if (next != '"' && next != '\\')
          return error_at(pos_ - 2, "invalid escape in a string");
        out += next;
      } else if (c == '"') {
        return BareItem(std::in_place_type<std::string>, std::move(out));
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        return error_at(pos_ - 1, "character outside %x20-7E in a string");
      } else {
        out += c;
      }
    }
    return error_at(start, "unterminated string");
  }

  // Section 4.2.6.
  Result<BareItem> token() {
    const std::size_t start = pos_;
    ++pos_;
    while (!at_end() && (is_tchar(peek()) || peek() == ':' || peek() == '/'))
      ++pos_;
    return BareItem(Token{std::string(input_.substr(start, pos_ - start))});
  }

  // Section 4.2.7, with strict base64 (see the header).
  Result<BareItem> byte_sequence() {
    const std::size_t start = pos_;
    ++pos_;  // ":"
    const std::size_t content = pos_;
    while (!at_end() && peek() != ':') {
      if (!is_base64_char(peek()))
        return error("character outside base64 in a byte sequence");
      ++pos_;
    }
    if (at_end())
      return error_at(start, "unterminated byte sequence");
    auto decoded = util::base64_decode(input_.substr(content, pos_ - content));
    ++pos_;  // ":"
    if (!decoded)
      return error_at(start, "byte sequence is not canonical padded base64");
    return BareItem(ByteSequence{std::move(*decoded)});
  }

  // Section 4.2.8.
  Result<BareItem> boolean() {
    ++pos_;  // "?"
    if (!at_end() && (peek() == '0' || peek() == '1')) {
      const bool value = peek() == '1';
      ++pos_;
      return BareItem(std::in_place_type<bool>, value);
    }
    return error("expected 0 or 1 after '?'");
  }

  std::string_view input_;
  std::string_view field_;
  const Limits& limits_;
  std::size_t pos_ = 0;
};

/// Section 4.2 steps 1-2 and 5-7 around one top-level parse.
template <class T, class ParseFn>
Result<T> parse_top(std::string_view input, std::string_view field, const Limits& limits,
                    ParseFn parse_fn) {
  if (input.size() > limits.max_bytes)
    return fail(ErrorCode::invalid_value, std::string(field),
                "structured field longer than " + std::to_string(limits.max_bytes) + " bytes");
  Parser parser(input, field, limits);
  parser.skip_sp();
  Result<T> value = parse_fn(parser);
  if (!value)
    return value;
  parser.skip_sp();
  if (!parser.at_end())
    return parser.error("unexpected characters after the value");
  return value;
}

std::unexpected<Error> serialize_error(std::string_view field, const std::string& message) {
  return fail(ErrorCode::invalid_value, std::string(field), "cannot serialize: " + message);
}

Result<void> append_bare_item(std::string& out, const BareItem& value, std::string_view field) {
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    if (*integer < -kMaxInteger || *integer > kMaxInteger)
      return serialize_error(field, "integer out of range");
    out += std::to_string(*integer);
  } else if (const auto* decimal = std::get_if<Decimal>(&value)) {
    // Section 4.1.5: at most 12 integer digits and 3 fraction digits, no trailing zeros beyond
    // the first fraction digit. The model holds exact thousandths, so no rounding is needed.
    std::int64_t thousandths = decimal->thousandths;
    if (thousandths < -kMaxDecimalThousandths || thousandths > kMaxDecimalThousandths)
      return serialize_error(field, "decimal out of range");
    if (thousandths < 0) {
      out += '-';
      thousandths = -thousandths;
    }
    out += std::to_string(thousandths / 1000);
    out += '.';
    std::string fraction = std::to_string(thousandths % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    while (fraction.size() > 1 && fraction.back() == '0')
      fraction.pop_back();
    out += fraction;
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    out += '"';
    for (char c : *text) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
        return serialize_error(field, "string character outside %x20-7E");
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  } else if (const auto* token = std::get_if<Token>(&value)) {
    if (!is_valid_token(token->value))
      return serialize_error(field, "invalid token");
    out += token->value;
  } else if (const auto* bytes = std::get_if<ByteSequence>(&value)) {
    out += ':';
    out += util::base64_encode(bytes->bytes);
    out += ':';
  } else {
    out += std::get<bool>(value) ? "?1" : "?0";
  }
  return {};
}

Result<void> append_parameters(std::string& out, const Parameters& params, std::string_view field) {
  for (const auto& [param_key, value] : params.entries()) {
    if (!is_valid_key(param_key))
      return serialize_error(field, "invalid parameter key");
    out += ';';
    out += param_key;
    if (const bool* flag = std::get_if<bool>(&value); flag != nullptr && *flag)
      continue;
    out += '=';
    if (auto appended = append_bare_item(out, value, field); !appended)
      return appended;
  }
  return {};
}

Result<void> append_item(std::string& out, const Item& item, std::string_view field) {
  if (auto appended = append_bare_item(out, item.value, field); !appended)
    return appended;
  return append_parameters(out, item.params, field);
}

Result<void> append_inner_list(std::string& out, const InnerList& inner, std::string_view field) {
  out += '(';
  bool first = true;
  for (const Item& member : inner.items) {
    if (!first)
      out += ' ';
    first = false;
    if (auto appended = append_item(out, member, field); !appended)
      return appended;
  }
  out += ')';
  return append_parameters(out, inner.params, field);
}

Result<void> append_member(std::string& out, const ListMember& member, std::string_view field) {
  if (const auto* inner = std::get_if<InnerList>(&member))
    return append_inner_list(out, *inner, field);
  return append_item(out, std::get<Item>(member), field);
}

template <class Appender>
Result<std::string> to_text(Appender appender) {
  std::string out;
  if (auto appended = appender(out); !appended)
    return std::unexpected(appended.error());
  return out;
}

}  // namespace

Parameters::Parameters(std::initializer_list<std::pair<std::string, BareItem>> entries) {
  for (const auto& [param_key, value] : entries)
    set(param_key, value);
}

void Parameters::set(std::string key, BareItem value) {
  for (auto& entry : entries_) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

const BareItem* Parameters::find(std::string_view key) const noexcept {
  for (const auto& entry : entries_) {
    if (entry.first == key)
      return &entry.second;
  }
  return nullptr;
}

void Dictionary::set(std::string key, ListMember value) {
  for (auto& member : members_) {
    if (member.first == key) {
      member.second = std::move(value);
      return;
    }
  }
  members_.emplace_back(std::move(key), std::move(value));
}

const ListMember* Dictionary::find(std::string_view key) const noexcept {
  for (const auto& member : members_) {
    if (member.first == key)
      return &member.second;
  }
  return nullptr;
}

Result<List> parse_list(std::string_view input, std::string_view field, const Limits& limits) {
  return parse_top<List>(input, field, limits, [](Parser& parser) { return parser.list(); });
}

Result<Dictionary> parse_dictionary(std::string_view input, std::string_view field,
                                    const Limits& limits, DuplicateKeys duplicates) {
  return parse_top<Dictionary>(
      input, field, limits, [duplicates](Parser& parser) { return parser.dictionary(duplicates); });
}

Result<Item> parse_item(std::string_view input, std::string_view field, const Limits& limits) {
  return parse_top<Item>(input, field, limits, [](Parser& parser) { return parser.item(); });
}

Result<std::string> serialize(const List& list, std::string_view field) {
  return to_text([&](std::string& out) -> Result<void> {
    bool first = true;
    for (const ListMember& member : list) {
      if (!first)
        out += ", ";
      first = false;
      if (auto appended = append_member(out, member, field); !appended)
        return appended;
    }
    return {};
  });
}

Result<std::string> serialize(const Dictionary& dictionary, std::string_view field) {
  return to_text([&](std::string& out) -> Result<void> {
    bool first = true;
    for (const auto& [member_key, member] : dictionary.members()) {
      if (!is_valid_key(member_key))
        return serialize_error(field, "invalid dictionary key");
      if (!first)
        out += ", ";
      first = false;
      out += member_key;
      // Section 4.1.2 step 2: a Boolean true member is written as its key and parameters.
      const auto* item = std::get_if<Item>(&member);
      const bool* flag = item == nullptr ? nullptr : std::get_if<bool>(&item->value);
      if (flag != nullptr && *flag) {
        if (auto appended = append_parameters(out, item->params, field); !appended)
          return appended;
        continue;
      }
      out += '=';
      if (auto appended = append_member(out, member, field); !appended)
        return appended;
    }
    return {};
  });
}

Result<std::string> serialize(const Item& item, std::string_view field) {
  return to_text([&](std::string& out) { return append_item(out, item, field); });
}

Result<std::string> serialize(const InnerList& inner_list, std::string_view field) {
  return to_text([&](std::string& out) { return append_inner_list(out, inner_list, field); });
}

Result<std::string> serialize(const ListMember& member, std::string_view field) {
  return to_text([&](std::string& out) { return append_member(out, member, field); });
}

Result<std::string> serialize(const BareItem& bare_item, std::string_view field) {
  return to_text([&](std::string& out) { return append_bare_item(out, bare_item, field); });
}

Result<std::string> serialize(const Parameters& params, std::string_view field) {
  return to_text([&](std::string& out) { return append_parameters(out, params, field); });
}

bool is_valid_key(std::string_view key) noexcept {
  if (key.empty() || !(is_lcalpha(key.front()) || key.front() == '*'))
    return false;
  return std::all_of(key.begin() + 1, key.end(), is_key_char);
}

bool is_valid_token(std::string_view token) noexcept {
  if (token.empty() || !(is_alpha(token.front()) || token.front() == '*'))
    return false;
  return std::all_of(token.begin() + 1, token.end(),
                     [](char c) { return is_tchar(c) || c == ':' || c == '/'; });
}

}  // namespace peerapi::auth::httpsig::sf
