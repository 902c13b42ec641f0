// Structured Field Values for HTTP (RFC 8941): the data model (section 3), strict parsing
// (section 4.2) and serialization (section 4.1) of Lists, Dictionaries and Items, as RFC 9421
// (Signature-Input, Signature, the "sf" and "key" component parameters) and RFC 9530
// (Content-Digest) need them.
//
// Contract:
// - Parsing follows the section 4.2 algorithms exactly: leading SP is discarded, trailing SP is
//   discarded, anything else left over fails; OWS (SP / HTAB) only around list and dictionary
//   commas; keys are lowercase; Integers have at most 15 digits; Decimals at most 12 integer and
//   3 fraction digits; Strings are printable ASCII with only \" and \\ escapes.
// - Byte Sequences are decoded strictly (util::base64_decode: "=" padding required, canonical
//   trailing bits). RFC 8941 section 4.2.7 says parsers SHOULD NOT fail on those; we do, so that
//   a signature or digest has exactly one accepted spelling.
// - Input is untrusted: the whole value is bounded by Limits::max_bytes, and every List,
//   Dictionary, Inner List and Parameters by its own member cap, so one call costs O(max_bytes).
// - Errors are invalid_value at the caller's `field`; the message names the offset.
// - Serialization is canonical: re-serializing a parsed value yields the section 4.1 form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/error.hpp"

namespace peerapi::auth::httpsig::sf {

/// A Token (section 3.3.4): starts with ALPHA or "*", then tchar / ":" / "/".
struct Token {
  std::string value;
  bool operator==(const Token&) const = default;
};

/// A Byte Sequence (section 3.3.5), held decoded.
struct ByteSequence {
  std::string bytes;
  bool operator==(const ByteSequence&) const = default;
};

/// A Decimal (section 3.3.2), held exactly as thousandths: -999999999999.999 .. 999999999999.999.
struct Decimal {
  std::int64_t thousandths = 0;
  bool operator==(const Decimal&) const = default;
};

/// A String (section 3.3.3) is a std::string; an Integer (section 3.3.1) an int64 within
/// +-999,999,999,999,999; a Boolean (section 3.3.6) a bool.
using BareItem = std::variant<std::int64_t, Decimal, std::string, Token, ByteSequence, bool>;

inline constexpr std::int64_t kMaxInteger = 999'999'999'999'999;
inline constexpr std::int64_t kMaxDecimalThousandths = 999'999'999'999'999;

/// Parameters (section 3.1.2): ordered, keys unique (a repeated key overwrites the value in
/// place, section 4.2.3.2).
class Parameters {
 public:
  Parameters() = default;
  Parameters(std::initializer_list<std::pair<std::string, BareItem>> entries);

  /// Sets `key` (appending it when new, replacing the value in place otherwise).
  void set(std::string key, BareItem value);
  [[nodiscard]] const BareItem* find(std::string_view key) const noexcept;
  [[nodiscard]] bool contains(std::string_view key) const noexcept { return find(key) != nullptr; }
  [[nodiscard]] const std::vector<std::pair<std::string, BareItem>>& entries() const noexcept {
    return entries_;
  }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  bool operator==(const Parameters&) const = default;

 private:
  std::vector<std::pair<std::string, BareItem>> entries_;
};

struct Item {
  BareItem value;
  Parameters params;
  bool operator==(const Item&) const = default;
};

struct InnerList {
  std::vector<Item> items;
  Parameters params;
  bool operator==(const InnerList&) const = default;
};

/// A member of a List or the value of a Dictionary member.
using ListMember = std::variant<Item, InnerList>;
using List = std::vector<ListMember>;

/// Dictionary (section 3.2): ordered, keys unique.
class Dictionary {
 public:
  /// Sets `key` (appending it when new, replacing the value in place otherwise).
  void set(std::string key, ListMember value);
  [[nodiscard]] const ListMember* find(std::string_view key) const noexcept;
  [[nodiscard]] const std::vector<std::pair<std::string, ListMember>>& members() const noexcept {
    return members_;
  }
  [[nodiscard]] bool empty() const noexcept { return members_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }

  bool operator==(const Dictionary&) const = default;

 private:
  std::vector<std::pair<std::string, ListMember>> members_;
};

struct Limits {
  /// The whole field value (RFC 8941 section 4.2 lets parsers bound the input).
  std::size_t max_bytes = 8 * 1024;
  /// Members of a List or Dictionary, and items of an Inner List.
  std::size_t max_members = 64;
  /// Parameters on one Item or Inner List.
  std::size_t max_params = 32;
};

/// What a Dictionary parser does with a key seen twice. RFC 8941 section 4.2.2 overwrites (the
/// last value wins, at the first position); `reject` fails instead, for headers where two
/// members with one name can only be an attack or an error (Signature-Input, Signature).
enum class DuplicateKeys : std::uint8_t { last_wins, reject };

/// Section 4.2 with field_type "list". An empty input is an empty List.
Result<List> parse_list(std::string_view input, std::string_view field, const Limits& limits = {});
/// Section 4.2 with field_type "dictionary". An empty input is an empty Dictionary.
Result<Dictionary> parse_dictionary(std::string_view input, std::string_view field,
                                    const Limits& limits = {},
                                    DuplicateKeys duplicates = DuplicateKeys::last_wins);
/// Section 4.2 with field_type "item". An empty input fails.
Result<Item> parse_item(std::string_view input, std::string_view field, const Limits& limits = {});

/// Section 4.1. Fails (invalid_value at `field`) only for values the model can hold but the
/// syntax cannot express: an Integer or Decimal out of range, a String with a character outside
/// %x20-7E, a Token or key that is not well formed. Keys of Parameters and Dictionaries must be
/// valid keys (section 3.1.2).
Result<std::string> serialize(const List& list, std::string_view field = {});
Result<std::string> serialize(const Dictionary& dictionary, std::string_view field = {});
Result<std::string> serialize(const Item& item, std::string_view field = {});
Result<std::string> serialize(const InnerList& inner_list, std::string_view field = {});
/// A List member or Dictionary member value (an Item or an Inner List).
Result<std::string> serialize(const ListMember& member, std::string_view field = {});
Result<std::string> serialize(const BareItem& bare_item, std::string_view field = {});
Result<std::string> serialize(const Parameters& params, std::string_view field = {});

/// Whether `key` matches section 3.1.2: ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." /
/// "*" ).
[[nodiscard]] bool is_valid_key(std::string_view key) noexcept;
/// Whether `token` matches section 3.3.4.
[[nodiscard]] bool is_valid_token(std::string_view token) noexcept;

/// The String value of a bare item, or nullptr for another type.
[[nodiscard]] inline const std::string* as_string(const BareItem& item) noexcept {
  return std::get_if<std::string>(&item);
}
/// The Integer value of a bare item, or nullptr for another type.
[[nodiscard]] inline const std::int64_t* as_integer(const BareItem& item) noexcept {
  return std::get_if<std::int64_t>(&item);
}

}  // namespace peerapi::auth::httpsig::sf
