// RFC 9421 component values (sections 2.1, 2.2, 2.4) checked against the examples printed in the
// RFC, and the signature base rules of section 2.5.
#include "auth/httpsig/signature_base.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/httpsig/message_signature.hpp"
#include "auth/httpsig/structured_fields.hpp"
#include "httpsig_vectors.hpp"
#include "util/clock.hpp"

namespace peerapi::auth::httpsig {
namespace {

HttpMessageView request(std::string target,
                        std::vector<std::pair<std::string, std::string>> fields = {}) {
  HttpMessageView message;
  message.method = "POST";
  message.scheme = "https";
  message.authority = "www.example.com";
  message.target = std::move(target);
  message.fields = std::move(fields);
  return message;
}

std::string value_of(const HttpMessageView& message, std::string_view identifier,
                     const BaseOptions& options = {}) {
  auto item = sf::parse_item(identifier, "id");
  EXPECT_TRUE(item) << identifier;
  auto component = ComponentId::from_item(*item, "id");
  EXPECT_TRUE(component);
  auto value = component_value(message, *component, nullptr, options);
  EXPECT_TRUE(value) << identifier << ": " << (value ? "" : value.error().message);
  return value.value_or("<error>");
}

Error error_of(const HttpMessageView& message, std::string_view identifier,
               const HttpMessageView* related = nullptr) {
  auto item = sf::parse_item(identifier, "id");
  EXPECT_TRUE(item) << identifier;
  auto component = ComponentId::from_item(*item, "id");
  EXPECT_TRUE(component);
  auto value = component_value(message, *component, related);
  EXPECT_FALSE(value) << identifier << " gave " << value.value_or("");
  return value ? Error{} : value.error();
}

TEST(ComponentValue, HttpFieldsOfSection2_1) {
  const HttpMessageView message =
      request("/", {{"Host", "www.example.com"},
                    {"Date", "Tue, 20 Apr 2021 02:07:56 GMT"},
                    {"X-OWS-Header", "   Leading and trailing whitespace.   "},
                    {"X-Obs-Fold-Header", "Obsolete\r\n    line folding."},
                    {"Cache-Control", "max-age=60"},
                    {"Cache-Control", "   must-revalidate"},
                    {"Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"},
                    {"X-Empty-Header", ""}});
  EXPECT_EQ(value_of(message, "\"host\""), "www.example.com");
  EXPECT_EQ(value_of(message, "\"date\""), "Tue, 20 Apr 2021 02:07:56 GMT");
  EXPECT_EQ(value_of(message, "\"x-ows-header\""), "Leading and trailing whitespace.");
  EXPECT_EQ(value_of(message, "\"x-obs-fold-header\""), "Obsolete line folding.");
  EXPECT_EQ(value_of(message, "\"cache-control\""), "max-age=60, must-revalidate");
  EXPECT_EQ(value_of(message, "\"example-dict\""), "a=1,    b=2;x=1;y=2,   c=(a   b   c)");
  EXPECT_EQ(value_of(message, "\"x-empty-header\""), "");

  BaseOptions options;
  options.structured_fields.emplace_back("example-dict", FieldType::dictionary);
  EXPECT_EQ(value_of(message, "\"example-dict\";sf", options), "a=1, b=2;x=1;y=2, c=(a b c)");
}

TEST(ComponentValue, DictionaryMembersOfSection2_1_2) {
  const HttpMessageView message =
      request("/", {{"Example-Dict", "  a=1, b=2;x=1;y=2, c=(a   b    c), d"}});
  EXPECT_EQ(value_of(message, "\"example-dict\";key=\"a\""), "1");
  EXPECT_EQ(value_of(message, "\"example-dict\";key=\"d\""), "?1");
  EXPECT_EQ(value_of(message, "\"example-dict\";key=\"b\""), "2;x=1;y=2");
  EXPECT_EQ(value_of(message, "\"example-dict\";key=\"c\""), "(a b c)");
  const Error missing = error_of(message, "\"example-dict\";key=\"e\"");
  EXPECT_EQ(missing.code, ErrorCode::unauthenticated);
}

TEST(ComponentValue, BinaryWrappedFieldsOfSection2_1_3) {
  const HttpMessageView message =
      request("/", {{"Example-Header", "value, with, lots"}, {"Example-Header", "of, commas"}});
  EXPECT_EQ(value_of(message, "\"example-header\""), "value, with, lots, of, commas");
  EXPECT_EQ(value_of(message, "\"example-header\";bs"),
            ":dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:");
}

TEST(ComponentValue, DerivedComponentsOfSection2_2) {
  const HttpMessageView message = request("/path?param=value");
  EXPECT_EQ(value_of(message, "\"@method\""), "POST");
  EXPECT_EQ(value_of(message, "\"@target-uri\""), "https://www.example.com/path?param=value");
  EXPECT_EQ(value_of(message, "\"@authority\""), "www.example.com");
  EXPECT_EQ(value_of(message, "\"@scheme\""), "https");
  EXPECT_EQ(value_of(message, "\"@request-target\""), "/path?param=value");
  EXPECT_EQ(value_of(message, "\"@path\""), "/path");
  EXPECT_EQ(value_of(message, "\"@query\""), "?param=value");
  EXPECT_EQ(value_of(request("/path?param=value&foo=bar&baz=bat%2Dman"), "\"@query\""),
            "?param=value&foo=bar&baz=bat%2Dman");
  EXPECT_EQ(value_of(request("/path?queryString"), "\"@query\""), "?queryString");
  EXPECT_EQ(value_of(request("/path"), "\"@query\""), "?");
  EXPECT_EQ(value_of(request("/path"), "\"@target-uri\""), "https://www.example.com/path");

  HttpMessageView options = request("*");
  options.method = "OPTIONS";
  EXPECT_EQ(value_of(options, "\"@request-target\""), "*");
  EXPECT_EQ(value_of(options, "\"@target-uri\""), "https://www.example.com");

  HttpMessageView response;
  response.status = 200;
  EXPECT_EQ(value_of(response, "\"@status\""), "200");
}

TEST(ComponentValue, AuthorityIsNormalised) {
  HttpMessageView message = request("/");
  message.authority = "WWW.Example.COM:443";
  message.scheme = "HTTPS";
  EXPECT_EQ(value_of(message, "\"@authority\""), "www.example.com");
  EXPECT_EQ(value_of(message, "\"@scheme\""), "https");
  EXPECT_EQ(value_of(message, "\"@target-uri\""), "https://www.example.com/");
  message.authority = "example.com:8443";
  EXPECT_EQ(value_of(message, "\"@authority\""), "example.com:8443");
  message.authority = "[2001:DB8::1]:443";
  EXPECT_EQ(value_of(message, "\"@authority\""), "[2001:db8::1]");
  message.scheme = "http";
  message.authority = "192.0.2.1:80";
  EXPECT_EQ(value_of(message, "\"@authority\""), "192.0.2.1");
  message.authority = "192.0.2.1:443";
  EXPECT_EQ(value_of(message, "\"@authority\""), "192.0.2.1:443");
  message.authority = "example.com:";
  EXPECT_EQ(value_of(message, "\"@authority\""), "example.com");
}

TEST(ComponentValue, QueryParametersOfSection2_2_8) {
  const HttpMessageView message = request("/path?param=value&foo=bar&baz=batman&qux=");
  EXPECT_EQ(value_of(message, "\"@query-param\";name=\"baz\""), "batman");
  EXPECT_EQ(value_of(message, "\"@query-param\";name=\"qux\""), "");
  EXPECT_EQ(value_of(message, "\"@query-param\";name=\"param\""), "value");

  const HttpMessageView encoded = request(
      "/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace"
      "&fa%C3%A7ade%22%3A%20=something");
  EXPECT_EQ(value_of(encoded, "\"@query-param\";name=\"var\""),
            "this%20is%20a%20big%0Amultiline%20value");
  EXPECT_EQ(value_of(encoded, "\"@query-param\";name=\"bar\""), "with%20plus%20whitespace");
  EXPECT_EQ(value_of(encoded, "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\""), "something");

  // Names are compared after decoding and re-encoding; a bare name has an empty value; invalid
  // UTF-8 becomes U+FFFD (WHATWG URL 5.1); empty pieces are skipped.
  const HttpMessageView odd = request("/p?a%2Db=1&flag&bad=%FF&&sp+ace=%2B");
  EXPECT_EQ(value_of(odd, "\"@query-param\";name=\"a-b\""), "1");
  EXPECT_EQ(value_of(odd, "\"@query-param\";name=\"flag\""), "");
  EXPECT_EQ(value_of(odd, "\"@query-param\";name=\"sp%20ace\""), "%2B");
  EXPECT_EQ(value_of(odd, "\"@query-param\";name=\"bad\""), "%EF%BF%BD");

  const Error repeated = error_of(request("/p?a=1&a=2"), "\"@query-param\";name=\"a\"");
  EXPECT_EQ(repeated.code, ErrorCode::invalid_value);
  const Error missing = error_of(message, "\"@query-param\";name=\"nope\"");
  EXPECT_EQ(missing.code, ErrorCode::unauthenticated);
}

struct BadComponent {
  const char* name;
  bool response;
  const char* identifier;
  ErrorCode code;
};

TEST(ComponentValue, RefusesWhatCannotBeBuilt) {
  const BadComponent rows[] = {
      {"unknown derived", false, "\"@fragment\"", ErrorCode::invalid_value},
      {"uppercase field", false, "\"Content-Type\"", ErrorCode::invalid_value},
      {"empty name", false, "\"\"", ErrorCode::invalid_value},
      {"field absent", false, "\"authorization\"", ErrorCode::unauthenticated},
      {"unknown parameter", false, "\"content-type\";foo", ErrorCode::invalid_value},
      {"trailer", false, "\"content-type\";tr", ErrorCode::invalid_value},
      {"sf on unknown type", false, "\"content-type\";sf", ErrorCode::invalid_value},
      {"bs with sf", false, "\"content-digest\";bs;sf", ErrorCode::invalid_value},
      {"bs with key", false, "\"content-digest\";bs;key=\"a\"", ErrorCode::invalid_value},
      {"sf as integer", false, "\"content-digest\";sf=1", ErrorCode::invalid_value},
      {"key as token", false, "\"content-digest\";key=a", ErrorCode::invalid_value},
      {"sf on derived", false, "\"@method\";sf", ErrorCode::invalid_value},
      {"name on field", false, "\"content-type\";name=\"a\"", ErrorCode::invalid_value},
      {"name on @path", false, "\"@path\";name=\"a\"", ErrorCode::invalid_value},
      {"query-param without name", false, "\"@query-param\"", ErrorCode::invalid_value},
      {"status in request", false, "\"@status\"", ErrorCode::invalid_value},
      {"req in request", false, "\"@method\";req", ErrorCode::invalid_value},
      {"request component in response", true, "\"@method\"", ErrorCode::invalid_value},
      {"req without related request", true, "\"@method\";req", ErrorCode::unauthenticated},
  };
  HttpMessageView message =
      request("/p", {{"Content-Type", "application/json"}, {"Content-Digest", "sha-256=:AAAA:"}});
  HttpMessageView response;
  response.status = 200;
  for (const BadComponent& row : rows) {
    const Error error = error_of(row.response ? response : message, row.identifier);
    EXPECT_EQ(error.code, row.code) << row.name;
  }
}

TEST(ComponentValue, RefusesValuesThatWouldAddALine) {
  const HttpMessageView injected =
      request("/", {{"X-Evil", "a\n\"@method\": GET"}, {"X-Nul", std::string("a\0b", 3)}});
  EXPECT_EQ(error_of(injected, "\"x-evil\"").code, ErrorCode::invalid_value);
  EXPECT_EQ(error_of(injected, "\"x-nul\"").code, ErrorCode::invalid_value);
  // As a byte sequence the same bytes are harmless.
  EXPECT_EQ(value_of(injected, "\"x-evil\";bs"),
            ":" + util::base64_encode("a\n\"@method\": GET") + ":");
  HttpMessageView bad_method = request("/");
  bad_method.method = "GET\n";
  EXPECT_EQ(error_of(bad_method, "\"@method\"").code, ErrorCode::invalid_value);
  HttpMessageView bad_target = request("/a b");
  EXPECT_EQ(error_of(bad_target, "\"@path\"").code, ErrorCode::invalid_value);
  EXPECT_EQ(error_of(bad_target, "\"@request-target\"").code, ErrorCode::invalid_value);
  HttpMessageView userinfo = request("/");
  userinfo.authority = "user@example.com";
  EXPECT_EQ(error_of(userinfo, "\"@authority\"").code, ErrorCode::invalid_value);
}

TEST(SignatureBase, RefusesDuplicatesAndSignatureParams) {
  const HttpMessageView message = request("/", {{"Content-Type", "application/json"}});
  for (const char* input :
       {"(\"@method\" \"@method\")", "(\"content-type\";bs \"content-type\";bs)",
        "(\"@signature-params\")", "(\"@method\" 1)"}) {
    auto list = sf::parse_list(input, "x");
    ASSERT_TRUE(list);
    auto base = build_signature_base(message, std::get<sf::InnerList>(list->front()));
    ASSERT_FALSE(base) << input;
    EXPECT_EQ(base.error().code, ErrorCode::invalid_value) << input;
    EXPECT_TRUE(base.error().field.starts_with("components[")) << base.error().field;
  }
  // Different parameters make different components.
  auto list = sf::parse_list("(\"content-type\" \"content-type\";bs);created=1", "x");
  auto base = build_signature_base(message, std::get<sf::InnerList>(list->front()));
  ASSERT_TRUE(base) << base.error().message;
  EXPECT_EQ(*base,
            "\"content-type\": application/json\n"
            "\"content-type\";bs: :YXBwbGljYXRpb24vanNvbg==:\n"
            "\"@signature-params\": (\"content-type\" \"content-type\";bs);created=1");
}

TEST(SignatureBase, IsBounded) {
  HttpMessageView message = request("/", {{"X-Big", std::string(100 * 1024, 'a')}});
  auto list = sf::parse_list("(\"x-big\" \"x-big\";bs)", "x");
  BaseOptions options;
  options.max_base_bytes = 200 * 1024;
  auto base =
      build_signature_base(message, std::get<sf::InnerList>(list->front()), nullptr, options);
  ASSERT_FALSE(base);
  EXPECT_EQ(base.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(base.error().field, "components[1]");
}

// RFC 9421 section 2.4: a response signature covering parts of the request ("req"), with the
// printed signature base and the ecdsa-p256-sha256 signature "reqres" (not among the shared
// vector files; taken from the RFC text).
TEST(SignatureBase, RequestResponseBindingOfSection2_4) {
  const std::string request_signature =
      "LAH8BjcfcOcLojiuOBFWn0P5keD3xAOuJRGziCLuD8r5MW9S0RoXXLzLSRfGY/3SF8kVIkHjE13SEFdTo4Af/fJ/"
      "Pu9wheqoLVdwXyY/UkBIS1M8Brc8IODsn5DFIrG0IrburbLi0uCc+E2ZIIb6HbUJ+o+jP58JelMTe0QE3IpWINTEzpx"
      "jqDf5/Df+InHCAkQCTuKsamjWXUpyOT1Wkxi7YPVNOjW4MfNuTZ9HdbD2Tr65+BXeTG9ZS/9SWuXAc+BZ8WyPz0QRz/"
      "/ec3uWXd7bYYODSjRAxHqX+S1ag3LZElYyUKaAIjZ8MGOt4gXEwCSLDv/zqxZeWLj/PDkn6w==";
  HttpMessageView original = request("/foo?param=Value&Pet=dog");
  original.authority = "example.com";
  original.fields = {{"Host", "example.com"}, {"Signature", "sig1=:" + request_signature + ":"}};
  HttpMessageView response;
  response.status = 503;
  response.fields = {{"Date", "Tue, 20 Apr 2021 02:07:56 GMT"},
                     {"Content-Type", "application/json"},
                     {"Content-Length", "62"}};
  response.body = "{\"busy\": true, \"message\": \"Your call is very important to us\"}";
  const std::string input =
      "reqres=(\"@status\" \"content-length\" \"content-type\" \"signature\";req;key=\"sig1\" "
      "\"@authority\";req \"@method\";req);created=1618884479;keyid=\"test-key-ecc-p256\"";
  auto dictionary = sf::parse_dictionary(input, "signature_input");
  ASSERT_TRUE(dictionary);
  const auto& list = std::get<sf::InnerList>(*dictionary->find("reqres"));
  auto base = build_signature_base(response, list, &original);
  ASSERT_TRUE(base) << base.error().message;
  EXPECT_EQ(*base,
            "\"@status\": 503\n"
            "\"content-length\": 62\n"
            "\"content-type\": application/json\n"
            "\"signature\";req;key=\"sig1\": :" +
                request_signature +
                ":\n"
                "\"@authority\";req: example.com\n"
                "\"@method\";req: POST\n"
                "\"@signature-params\": (\"@status\" \"content-length\" \"content-type\" "
                "\"signature\";req;key=\"sig1\" \"@authority\";req \"@method\";req);"
                "created=1618884479;keyid=\"test-key-ecc-p256\"");

  util::ManualClock clock(1618884479LL * 1000);
  VerifyPolicy policy;
  policy.clock = &clock;
  policy.algorithms = {Algorithm::ecdsa_p256_sha256};
  policy.require_content_digest_with_body = false;
  policy.related_request = &original;
  policy.resolve_key = [](std::string_view) -> Result<std::optional<ResolvedKey>> {
    return ResolvedKey{testing::jwk_key("test-key-ecc-p256").public_key().value(),
                       Algorithm::ecdsa_p256_sha256};
  };
  const std::string signature =
      "reqres=:mh17P4TbYYBmBwsXPT4nsyVzW4Rp9Fb8WcvnfqKCQLoMvzOBLD/n32tL/"
      "GPW6XE5GAS5bdsg1khK6lBzV1Cx/"
      "Q==:";
  auto verified = verify(response, input, signature, policy);
  ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  EXPECT_EQ(verified->label, "reqres");
  ASSERT_EQ(verified->covered.size(), 6u);
  EXPECT_EQ(verified->covered[3].serialize().value(), "\"signature\";req;key=\"sig1\"");

  // Without the request the response can not be verified.
  policy.related_request = nullptr;
  auto unbound = verify(response, input, signature, policy);
  ASSERT_FALSE(unbound);
  EXPECT_EQ(unbound.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(unbound.error().field, "signature_input.reqres.components[3]");
}

}  // namespace
}  // namespace peerapi::auth::httpsig
