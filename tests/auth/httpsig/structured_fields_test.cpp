// RFC 8941 parsing and serialization: the examples of sections 3 and 4, and one row per syntax
// rule that must fail.
#include "auth/httpsig/structured_fields.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace peerapi::auth::httpsig::sf {
namespace {

std::string round_trip_list(std::string_view text) {
  auto parsed = parse_list(text, "f");
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? serialize(*parsed).value() : "";
}

std::string round_trip_dictionary(std::string_view text) {
  auto parsed = parse_dictionary(text, "f");
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? serialize(*parsed).value() : "";
}

std::string round_trip_item(std::string_view text) {
  auto parsed = parse_item(text, "f");
  EXPECT_TRUE(parsed) << text << ": " << (parsed ? "" : parsed.error().message);
  return parsed ? serialize(*parsed).value() : "";
}

TEST(StructuredFields, ListsOfSection3_1) {
  auto sugar = parse_list("sugar, tea, rum", "f");
  ASSERT_TRUE(sugar);
  ASSERT_EQ(sugar->size(), 3u);
  EXPECT_EQ(std::get<Token>(std::get<Item>((*sugar)[1]).value).value, "tea");
  EXPECT_EQ(round_trip_list("sugar,tea,   rum"), "sugar, tea, rum");
  EXPECT_EQ(round_trip_list("(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()"),
            "(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()");
  EXPECT_EQ(round_trip_list("(\"foo\"; a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1"),
            "(\"foo\";a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1");
  EXPECT_EQ(round_trip_list("abc;a=1;b=2; cde_456, (ghi;jk=4 l);q=\"9\";r=w"),
            "abc;a=1;b=2;cde_456, (ghi;jk=4 l);q=\"9\";r=w");
  auto empty = parse_list("", "f");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(StructuredFields, DictionariesOfSection3_2) {
  auto dictionary = parse_dictionary("en=\"Applepie\", da=:w4ZibGV0w6ZydGUK:", "f");
  ASSERT_TRUE(dictionary);
  ASSERT_EQ(dictionary->size(), 2u);
  EXPECT_EQ(std::get<std::string>(std::get<Item>(*dictionary->find("en")).value), "Applepie");
  EXPECT_EQ(std::get<ByteSequence>(std::get<Item>(*dictionary->find("da")).value).bytes,
            "\xc3\x86"
            "blet\xc3\xa6rte\n");
  EXPECT_EQ(round_trip_dictionary("a=?0, b, c; foo=bar"), "a=?0, b, c;foo=bar");
  EXPECT_EQ(round_trip_dictionary("rating=1.5, feelings=(joy sadness)"),
            "rating=1.5, feelings=(joy sadness)");
  EXPECT_EQ(round_trip_dictionary("a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid"),
            "a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid");
  EXPECT_EQ(round_trip_dictionary("a=?1"), "a");
}

TEST(StructuredFields, ItemsOfSection3_3) {
  EXPECT_EQ(round_trip_item("5; foo=bar"), "5;foo=bar");
  EXPECT_EQ(round_trip_item("42"), "42");
  EXPECT_EQ(round_trip_item("-42"), "-42");
  EXPECT_EQ(round_trip_item("999999999999999"), "999999999999999");
  EXPECT_EQ(round_trip_item("4.5"), "4.5");
  EXPECT_EQ(round_trip_item("-0.001"), "-0.001");
  EXPECT_EQ(round_trip_item("1.500"), "1.5");
  EXPECT_EQ(round_trip_item("123456789012.123"), "123456789012.123");
  EXPECT_EQ(round_trip_item("\"hello world\""), "\"hello world\"");
  EXPECT_EQ(round_trip_item("\"a \\\"quoted\\\" \\\\ b\""), "\"a \\\"quoted\\\" \\\\ b\"");
  EXPECT_EQ(round_trip_item("foo123/456"), "foo123/456");
  EXPECT_EQ(round_trip_item("*tok:en"), "*tok:en");
  EXPECT_EQ(round_trip_item(":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:"),
            ":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:");
  EXPECT_EQ(round_trip_item("::"), "::");
  EXPECT_EQ(round_trip_item("?1"), "?1");
  EXPECT_EQ(round_trip_item("?0;a;b=?0"), "?0;a;b=?0");
  EXPECT_EQ(round_trip_item("   1  "), "1");  // leading and trailing SP are discarded

  auto decimal = parse_item("-12.34", "f");
  ASSERT_TRUE(decimal);
  EXPECT_EQ(std::get<Decimal>(decimal->value).thousandths, -12340);
}

TEST(StructuredFields, DuplicateKeysOverwriteInPlaceOrFailWhenAsked) {
  EXPECT_EQ(round_trip_dictionary("a=1, b=2, a=3"), "a=3, b=2");
  EXPECT_EQ(round_trip_item("1;a=1;b=2;a=3"), "1;a=3;b=2");
  auto refused = parse_dictionary("a=1, b=2, a=3", "sig", {}, DuplicateKeys::reject);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(refused.error().field, "sig");
}

enum class Kind { list, dictionary, item };

struct BadInput {
  const char* name;
  Kind kind;
  std::string_view text;
};

// One row per rule of section 4.2 (and our strict base64).
const BadInput kBadInputs[] = {
    {"integer with 16 digits", Kind::item, "1234567890123456"},
    {"decimal with 13 integer digits", Kind::item, "1234567890123.0"},
    {"decimal with 4 fraction digits", Kind::item, "1.2345"},
    {"decimal ending in a dot", Kind::item, "1."},
    {"lone minus", Kind::item, "-"},
    {"minus without digit", Kind::item, "-a"},
    {"empty item", Kind::item, ""},
    {"leading tab", Kind::item, "\t1"},
    {"parameter after SP", Kind::item, "1 ;a"},
    {"uppercase parameter key", Kind::item, "1;A=1"},
    {"parameter key starting with digit", Kind::item, "1;1a=1"},
    {"bad string escape", Kind::item, "\"\\x\""},
    {"unterminated string", Kind::item, "\"abc"},
    {"control character in string", Kind::item, "\"a\tb\""},
    {"non-ASCII in string", Kind::item, "\"caf\xc3\xa9\""},
    {"boolean 2", Kind::item, "?2"},
    {"boolean without digit", Kind::item, "?"},
    {
        "unterminated byte sequence",
        Kind::item,
        ":aGVsbG8=",
    },
    {"byte sequence outside base64", Kind::item, ":aGVs*G8=:"},
    {"byte sequence without padding", Kind::item, ":aGVsbG8:"},
    {"byte sequence with non-zero pad bits", Kind::item, ":aGVsbG9=:"},
    {"byte sequence in URL alphabet", Kind::item, ":-_8=:"},
    {"item starting with a symbol", Kind::item, "@a"},
    {"two items", Kind::item, "1 2"},
    {"trailing comma in list", Kind::list, "a, b,"},
    {"empty list member", Kind::list, "a,,b"},
    {"list member without comma", Kind::list, "a b"},
    {"tab inside inner list", Kind::list, "(a\tb)"},
    {"unterminated inner list", Kind::list, "(a b"},
    {"inner list item followed by junk", Kind::list, "(a,b)"},
    {"uppercase dictionary key", Kind::dictionary, "A=1"},
    {"dictionary key with a symbol", Kind::dictionary, "a$b=1"},
    {"trailing comma in dictionary", Kind::dictionary, "a=1,"},
    {"dictionary member followed by parameter after SP", Kind::dictionary, "a=1 ;b=2"},
    {"dictionary without value after =", Kind::dictionary, "a="},
    {"dictionary member is a list", Kind::dictionary, "a=1 2"},
};

TEST(StructuredFields, RejectsMalformedInput) {
  for (const BadInput& row : kBadInputs) {
    Error error;
    switch (row.kind) {
      case Kind::list: {
        auto parsed = parse_list(row.text, "field");
        ASSERT_FALSE(parsed) << row.name;
        error = parsed.error();
        break;
      }
      case Kind::dictionary: {
        auto parsed = parse_dictionary(row.text, "field");
        ASSERT_FALSE(parsed) << row.name;
        error = parsed.error();
        break;
      }
      case Kind::item: {
        auto parsed = parse_item(row.text, "field");
        ASSERT_FALSE(parsed) << row.name;
        error = parsed.error();
        break;
      }
    }
    EXPECT_EQ(error.code, ErrorCode::invalid_value) << row.name;
    EXPECT_EQ(error.field, "field") << row.name;
  }
}

TEST(StructuredFields, BoundsTheWork) {
  std::string members;
  for (int i = 0; i < 64; ++i)
    members += (i == 0 ? "" : ", ") + std::string("k") + std::to_string(i);
  EXPECT_TRUE(parse_dictionary(members, "f"));
  EXPECT_TRUE(parse_list(members, "f"));
  EXPECT_FALSE(parse_dictionary(members + ", k64", "f"));
  EXPECT_FALSE(parse_list(members + ", k64", "f"));
  // Repeating one key still counts every member parsed.
  std::string repeated = "a";
  for (int i = 0; i < 64; ++i)
    repeated += ", a";
  EXPECT_FALSE(parse_dictionary(repeated, "f"));

  std::string inner = "(";
  for (int i = 0; i < 65; ++i)
    inner += "a ";
  inner += ")";
  EXPECT_FALSE(parse_list(inner, "f"));

  std::string params = "1";
  for (int i = 0; i < 33; ++i)
    params += ";p" + std::to_string(i);
  EXPECT_FALSE(parse_item(params, "f"));

  const std::string long_string = "\"" + std::string(8 * 1024 - 2, 'x') + "\"";
  EXPECT_TRUE(parse_item(long_string, "f"));
  auto too_long = parse_item(long_string + " ", "f");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::invalid_value);
  Limits small;
  small.max_bytes = 4;
  EXPECT_FALSE(parse_item("12345", "f", small));
}

TEST(StructuredFields, SerializationRefusesWhatTheSyntaxCannotHold) {
  EXPECT_FALSE(serialize(BareItem(std::in_place_type<std::int64_t>, kMaxInteger + 1)));
  EXPECT_FALSE(serialize(BareItem(Decimal{kMaxDecimalThousandths + 1})));
  EXPECT_FALSE(serialize(BareItem(std::in_place_type<std::string>, "line\nbreak")));
  EXPECT_FALSE(serialize(BareItem(Token{"1abc"})));
  EXPECT_FALSE(serialize(BareItem(Token{""})));
  Item item{BareItem(std::in_place_type<std::int64_t>, 1), {}};
  item.params.set("Upper", BareItem(std::in_place_type<bool>, true));
  EXPECT_FALSE(serialize(item));
  Dictionary dictionary;
  dictionary.set("", item);
  EXPECT_FALSE(serialize(dictionary));

  EXPECT_EQ(serialize(BareItem(Decimal{2500})).value(), "2.5");
  EXPECT_EQ(serialize(BareItem(Decimal{-3000})).value(), "-3.0");
  EXPECT_EQ(serialize(BareItem(ByteSequence{"hello"})).value(), ":aGVsbG8=:");
}

TEST(StructuredFields, KeysAndTokens) {
  EXPECT_TRUE(is_valid_key("sig-b21"));
  EXPECT_TRUE(is_valid_key("*a.b_c-1"));
  EXPECT_FALSE(is_valid_key("Sig"));
  EXPECT_FALSE(is_valid_key("1a"));
  EXPECT_FALSE(is_valid_key(""));
  EXPECT_TRUE(is_valid_token("application/json"));
  EXPECT_FALSE(is_valid_token("a b"));
}

}  // namespace
}  // namespace peerapi::auth::httpsig::sf
