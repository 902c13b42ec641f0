#include <gtest/gtest.h>

#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace peerapi::util {
namespace {

TEST(Base64Url, RoundTripsRfc4648Vectors) {
  // RFC 4648 section 10 vectors, in the URL-safe alphabet without padding.
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (auto [plain, encoded] : cases) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
  EXPECT_FALSE(base64url_decode("Zm9v="));
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero trailing bits
}

TEST(Base64Url, IsStrict) {
  for (const char* bad :
       {"Zm9v=", "Zg==", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm9 ", "Zm9\n", "Zm\x80v"}) {
    EXPECT_FALSE(base64url_decode(bad)) << bad;
  }
  EXPECT_FALSE(base64url_decode(std::string_view("Zm9v\0AAA", 8)));
  EXPECT_TRUE(base64url_decode("Zm8"));
}

TEST(Base64Url, RoundTripsEveryLengthAndByte) {
  std::string octets;
  for (int i = 0; i < 300; ++i) {
    octets.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    EXPECT_EQ(base64url_decode(base64url_encode(octets)), octets) << i;
  }
}

TEST(Sha256, KnownAnswer) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacSha256, Rfc4231Case2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Rfc3339, FormatsUtcMilliseconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1795420800123), "2026-11-23T08:00:00.123Z");
}

}  // namespace
}  // namespace peerapi::util
