// Standard padded base64 (RFC 4648 section 4) and SHA-512, used by RFC 8941 byte sequences and
// RFC 9530 Content-Digest.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

#include "util/crypto.hpp"

namespace peerapi::util {
namespace {

TEST(Base64, EncodesRfc4648Section10Vectors) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : cases) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
}

TEST(Base64, UsesTheStandardAlphabet) {
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(base64_decode("+/+/"), "\xfb\xff\xbf");
  EXPECT_FALSE(base64_decode("-_-_"));  // the URL-safe alphabet is not accepted
}

TEST(Base64, RejectsEveryNonCanonicalForm) {
  const std::string_view bad[] = {
      "Zg",        // padding missing
      "Zg=",       // length not a multiple of 4
      "Zm8",       // padding missing
      "Zg===",     // too much padding
      "Z===",      // three padding characters
      "====",      // padding only
      "Zh==",      // non-zero trailing bits (4 unused bits)
      "Zm9=",      // non-zero trailing bits (2 unused bits)
      "Zg==Zg==",  // padding in the middle
      "Z=g=",      // padding before data
      "Zm9v ",     // whitespace
      " Zm9v",     // leading whitespace
      "Zm9v\n",    // line break
      "Zm.v",      // outside the alphabet
      "Zm\x80v",   // non-ASCII
  };
  for (std::string_view text : bad) {
    EXPECT_FALSE(base64_decode(text)) << text;
  }
  EXPECT_FALSE(base64_decode(std::string_view("Zm9v\0AAA", 8)));
}

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string octets;
  for (int i = 0; i < 300; ++i) {
    octets.push_back(static_cast<char>((i * 53 + 7) & 0xff));
    const std::string encoded = base64_encode(octets);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(base64_decode(encoded), octets) << i;
  }
}

TEST(Sha512, KnownAnswers) {
  // FIPS 180-2 "abc" and the empty string.
  EXPECT_EQ(hex_encode(sha512("abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(hex_encode(sha512("")),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  // RFC 9530 section 6.4 / RFC 9421 B.2: the example request body.
  EXPECT_EQ(
      base64_encode(sha512("{\"hello\": \"world\"}")),
      "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==");
}

}  // namespace
}  // namespace peerapi::util
