// RFC 9530 Content-Digest: the values of the RFC 9421 example messages, and every way a digest
// field can fail.
#include "auth/httpsig/content_digest.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/crypto.hpp"

namespace peerapi::auth::httpsig {
namespace {

const std::string kBody = "{\"hello\": \"world\"}";
const std::string kSha512 =
    "sha-512=:WZDPaVn/"
    "7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
// The sha-256 example of RFC 9530 section 2 (same body).
const std::string kSha256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";

TEST(ContentDigest, ProducesTheRfc9421ExampleValues) {
  EXPECT_EQ(content_digest_value(kBody), kSha512);
  EXPECT_EQ(content_digest_value(kBody, {DigestAlgorithm::sha256}), kSha256);
  EXPECT_EQ(content_digest_value(kBody, {DigestAlgorithm::sha256, DigestAlgorithm::sha512}),
            kSha256 + ", " + kSha512);
  // The response of RFC 9421 B.2 (test-response.http).
  EXPECT_EQ(
      content_digest_value("{\"message\": \"good dog\"}"),
      "sha-512=:"
      "mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:");
}

TEST(ContentDigest, VerifiesEverySupportedAlgorithmPresent) {
  auto one = verify_content_digest(kSha512, kBody);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, std::vector<DigestAlgorithm>{DigestAlgorithm::sha512});
  auto both = verify_content_digest(kSha256 + ", " + kSha512, kBody);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->size(), 2u);
  // Unknown and deprecated algorithms are ignored, whatever their value.
  auto with_unknown =
      verify_content_digest("md5=:AAAA:, unixsum=3, sha-3=\"x\", " + kSha256, kBody);
  ASSERT_TRUE(with_unknown) << with_unknown.error().message;
  EXPECT_EQ(*with_unknown, std::vector<DigestAlgorithm>{DigestAlgorithm::sha256});
  // Parameters on a member are allowed and ignored.
  EXPECT_TRUE(verify_content_digest(kSha256 + ";p=1", kBody));
  // An empty body has a digest too.
  EXPECT_TRUE(verify_content_digest(content_digest_value(""), ""));
}

struct BadDigest {
  const char* name;
  std::string value;
  std::string body;
  ErrorCode code;
  const char* field;
};

TEST(ContentDigest, RefusesBadFields) {
  const std::string wrong256 = "sha-256=:" + util::base64_encode(util::sha256("other")) + ":";
  const BadDigest rows[] = {
      {"body tampered", kSha512, kBody + " ", ErrorCode::unauthenticated, "content-digest"},
      {"one of two wrong", wrong256 + ", " + kSha512, kBody, ErrorCode::unauthenticated,
       "content-digest"},
      {"truncated digest", "sha-256=:AAAA:", kBody, ErrorCode::unauthenticated, "content-digest"},
      {"only unknown algorithms", "md5=:AAAA:, sha=:AAAA:", kBody, ErrorCode::unauthenticated,
       "content-digest"},
      {"empty field", "", kBody, ErrorCode::unauthenticated, "content-digest"},
      {"digest as a string", "sha-256=\"abc\"", kBody, ErrorCode::invalid_value,
       "content-digest.sha-256"},
      {"digest as an inner list", "sha-512=(:AAAA:)", kBody, ErrorCode::invalid_value,
       "content-digest.sha-512"},
      {"not a dictionary", "sha-256 :AAAA:", kBody, ErrorCode::invalid_value, "content-digest"},
      {"uppercase algorithm", "SHA-256=:AAAA:", kBody, ErrorCode::invalid_value, "content-digest"},
      {"unpadded base64", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:", kBody,
       ErrorCode::invalid_value, "content-digest"},
      {"oversized", kSha256 + ", x=\"" + std::string(9000, 'a') + "\"", kBody,
       ErrorCode::invalid_value, "content-digest"},
  };
  for (const BadDigest& row : rows) {
    auto result = verify_content_digest(row.value, row.body);
    ASSERT_FALSE(result) << row.name;
    EXPECT_EQ(result.error().code, row.code) << row.name;
    EXPECT_EQ(result.error().field, row.field) << row.name;
  }
}

}  // namespace
}  // namespace peerapi::auth::httpsig
