// verify() on bad input: one row per way a signed request can be wrong, each with the exact
// ErrorCode and field path. Every row starts from a request that verifies (checked first).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/httpsig/content_digest.hpp"
#include "auth/httpsig/message_signature.hpp"
#include "auth/replay_cache.hpp"
#include "util/clock.hpp"

namespace peerapi::auth::httpsig {
namespace {

constexpr std::int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z

const jose::Jwk& client_key() {
  static const jose::Jwk key = jose::Jwk::generate(jose::Curve::ed25519).value();
  return key;
}

const jose::Jwk& other_key() {
  static const jose::Jwk key = jose::Jwk::generate(jose::Curve::ed25519).value();
  return key;
}

/// One verification attempt: the message, both header values and the policy, all mutable.
struct Attempt {
  util::ManualClock clock{kNow * 1000};
  MemoryReplayCache replay_cache;
  HttpMessageView message;
  std::string input;
  std::string signature;
  VerifyPolicy policy;

  Result<VerifiedSignature> run() const { return verify(message, input, signature, policy); }

  /// Re-signs the message (after a row changed it) with these parameters and components.
  void resign(const SignatureParams& params, const std::vector<ComponentId>& components,
              const jose::Jwk& key = client_key()) {
    auto signed_headers = sign(message, key, Algorithm::ed25519, components, params, "sig1");
    ASSERT_TRUE(signed_headers) << signed_headers.error().message;
    input = signed_headers->signature_input;
    signature = signed_headers->signature;
  }
};

SignatureParams default_params() {
  SignatureParams params;
  params.created = kNow;
  params.keyid = "as64496";
  params.nonce = "b3k2pp5k7z-50gnwp.yemd";
  return params;
}

std::vector<ComponentId> default_components() {
  return {{"@method", {}}, {"@target-uri", {}}, {"authorization", {}}, {"content-digest", {}}};
}

std::unique_ptr<Attempt> good_attempt() {
  auto attempt = std::make_unique<Attempt>();
  HttpMessageView& message = attempt->message;
  message.method = "POST";
  message.scheme = "https";
  message.authority = "peerapi.example.net";
  message.target = "/v1/add_sessions";
  message.body = R"({"peer_asn":64496})";
  message.fields = {{"Host", "peerapi.example.net"},
                    {"Authorization", "Bearer as64496"},
                    {"Content-Digest", content_digest_value(message.body)}};
  attempt->resign(default_params(), default_components());

  VerifyPolicy& policy = attempt->policy;
  policy.clock = &attempt->clock;
  policy.algorithms = {Algorithm::ed25519};
  policy.required_components = {"@method", "@target-uri", "authorization"};
  policy.resolve_key = [](std::string_view keyid) -> Result<std::optional<ResolvedKey>> {
    if (keyid != "as64496")
      return std::nullopt;
    return ResolvedKey{client_key().public_key().value(), Algorithm::ed25519};
  };
  Attempt* raw = attempt.get();
  policy.check_nonce = [raw](const NonceUse& use) {
    return raw->replay_cache.first_use("httpsig", use.nonce, use.remember_until * 1000,
                                       raw->clock.now_ms());
  };
  return attempt;
}

void replace(std::string& text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << text;
  text.replace(at, from.size(), to);
}

struct Row {
  const char* name;
  std::function<void(Attempt&)> mutate;
  ErrorCode code;
  std::string field;
};

const ErrorCode kSyntax = ErrorCode::invalid_value;
const ErrorCode kTrust = ErrorCode::unauthenticated;

std::vector<Row> rows() {
  return {
      // Policy: required components, time window, key, algorithm, nonce, label, tag.
      {"required component not covered",
       [](Attempt& a) { a.policy.required_components.push_back("x-peer-asn"); }, kTrust,
       "signature_input.sig1.components"},
      {"body present but content-digest not covered",
       [](Attempt& a) {
         a.resign(default_params(), {{"@method", {}}, {"@target-uri", {}}, {"authorization", {}}});
       },
       kTrust, "signature_input.sig1.components"},
      {"content-digest covered only as one member (key=)",
       [](Attempt& a) {
         a.resign(default_params(),
                  {{"@method", {}},
                   {"@target-uri", {}},
                   {"authorization", {}},
                   {"content-digest",
                    {{"key", sf::BareItem(std::in_place_type<std::string>, "sha-512")}}}});
       },
       kTrust, "signature_input.sig1.components"},
      {"created too old", [](Attempt& a) { a.clock.advance_ms(301'000); }, kTrust,
       "signature_input.sig1.created"},
      {"created in the future", [](Attempt& a) { a.clock.advance_ms(-31'000); }, kTrust,
       "signature_input.sig1.created"},
      {"created missing", [](Attempt& a) { replace(a.input, ";created=1767225600", ""); }, kTrust,
       "signature_input.sig1.created"},
      {"expired",
       [](Attempt& a) {
         SignatureParams params = default_params();
         params.expires = kNow + 10;
         a.resign(params, default_components());
         a.clock.advance_ms(11'000);
       },
       kTrust, "signature_input.sig1.expires"},
      {"expires before created",
       [](Attempt& a) {
         SignatureParams params = default_params();
         params.expires = kNow - 1;
         a.resign(params, default_components());
       },
       kTrust, "signature_input.sig1.expires"},
      {"unknown keyid",
       [](Attempt& a) {
         SignatureParams params = default_params();
         params.keyid = "as64511";
         a.resign(params, default_components());
       },
       kTrust, "signature_input.sig1.keyid"},
      {"keyid missing", [](Attempt& a) { replace(a.input, ";keyid=\"as64496\"", ""); }, kTrust,
       "signature_input.sig1.keyid"},
      {"alg disagrees with the key",
       [](Attempt& a) { replace(a.input, ";nonce=", ";alg=\"ecdsa-p256-sha256\";nonce="); }, kTrust,
       "signature_input.sig1.alg"},
      {"alg unknown", [](Attempt& a) { replace(a.input, ";nonce=", ";alg=\"rsa-sha1\";nonce="); },
       kTrust, "signature_input.sig1.alg"},
      {"key algorithm not allowed",
       [](Attempt& a) { a.policy.algorithms = {Algorithm::ecdsa_p256_sha256}; }, kTrust,
       "signature_input.sig1.alg"},
      {"key unfit for its algorithm",
       [](Attempt& a) {
         a.policy.algorithms = {Algorithm::ecdsa_p256_sha256};
         a.policy.resolve_key = [](std::string_view) -> Result<std::optional<ResolvedKey>> {
           return ResolvedKey{client_key().public_key().value(), Algorithm::ecdsa_p256_sha256};
         };
       },
       kTrust, "signature_input.sig1.keyid"},
      {"nonce replayed",
       [](Attempt& a) {
         auto first = a.run();
         ASSERT_TRUE(first) << first.error().message;
       },
       kTrust, "signature_input.sig1.nonce"},
      {"nonce required but absent",
       [](Attempt& a) {
         a.policy.require_nonce = true;
         SignatureParams params = default_params();
         params.nonce.reset();
         a.resign(params, default_components());
       },
       kTrust, "signature_input.sig1.nonce"},
      {"required label absent", [](Attempt& a) { a.policy.label = "sig2"; }, kTrust,
       "signature_input.sig2"},
      {"tag differs", [](Attempt& a) { a.policy.tag = "peerapi"; }, kTrust,
       "signature_input.sig1.tag"},
      {"no signature at all",
       [](Attempt& a) {
         a.input.clear();
         a.signature.clear();
       },
       kTrust, "signature_input"},
      // The message no longer matches what was signed.
      {"body tampered (content-digest mismatch)", [](Attempt& a) { a.message.body += " "; }, kTrust,
       "content-digest"},
      {"method changed", [](Attempt& a) { a.message.method = "PUT"; }, kTrust, "signature.sig1"},
      {"authority changed", [](Attempt& a) { a.message.authority = "evil.example.net"; }, kTrust,
       "signature.sig1"},
      {"signed by another key",
       [](Attempt& a) { a.resign(default_params(), default_components(), other_key()); }, kTrust,
       "signature.sig1"},
      {"covered field absent from the message",
       [](Attempt& a) {
         a.message.fields.emplace_back("X-Request-Id", "7");
         auto components = default_components();
         components.push_back({"x-request-id", {}});
         a.resign(default_params(), components);
         a.message.fields.pop_back();
       },
       kTrust, "signature_input.sig1.components[4]"},
      {"covered query parameter absent",
       [](Attempt& a) {
         a.message.target = "/v1/add_sessions?dry_run=1";
         auto components = default_components();
         components.push_back(
             {"@query-param",
              {{"name", sf::BareItem(std::in_place_type<std::string>, "dry_run")}}});
         a.resign(default_params(), components);
         a.message.target = "/v1/add_sessions";
       },
       kTrust, "signature_input.sig1.components[4]"},
      // Syntax of Signature-Input and Signature.
      {"duplicate label in Signature-Input", [](Attempt& a) { a.input += ", " + a.input; }, kSyntax,
       "signature_input"},
      {"duplicate label in Signature", [](Attempt& a) { a.signature += ", " + a.signature; },
       kSyntax, "signature"},
      {"Signature-Input inner list unterminated",
       [](Attempt& a) { a.input = "sig1=(\"@method\" \"@target-uri\";created=1"; }, kSyntax,
       "signature_input"},
      {"Signature-Input uppercase label", [](Attempt& a) { replace(a.input, "sig1=", "Sig1="); },
       kSyntax, "signature_input"},
      {"Signature-Input member is not an inner list",
       [](Attempt& a) { a.input = "sig1=\"@method\";created=1767225600"; }, kSyntax,
       "signature_input.sig1"},
      {"component identifier is a token",
       [](Attempt& a) { replace(a.input, "\"authorization\"", "authorization"); }, kSyntax,
       "signature_input.sig1.components[2]"},
      {"component identifier uppercase",
       [](Attempt& a) { replace(a.input, "\"authorization\"", "\"Authorization\""); }, kSyntax,
       "signature_input.sig1.components[2]"},
      {"component with unknown parameter",
       [](Attempt& a) { replace(a.input, "\"authorization\"", "\"authorization\";zz"); }, kSyntax,
       "signature_input.sig1.components[2]"},
      {"component covered twice",
       [](Attempt& a) { replace(a.input, "\"authorization\"", "\"@method\""); }, kSyntax,
       "signature_input.sig1.components[2]"},
      {"@signature-params covered",
       [](Attempt& a) { replace(a.input, "\"authorization\"", "\"@signature-params\""); }, kSyntax,
       "signature_input.sig1.components[2]"},
      {"created is a string",
       [](Attempt& a) { replace(a.input, "created=1767225600", "created=\"1767225600\""); },
       kSyntax, "signature_input.sig1.created"},
      {"created is a decimal",
       [](Attempt& a) { replace(a.input, "created=1767225600", "created=1767225600.5"); }, kSyntax,
       "signature_input.sig1.created"},
      {"created has 16 digits",
       [](Attempt& a) { replace(a.input, "created=1767225600", "created=1767225600000000"); },
       kSyntax, "signature_input"},
      {"keyid is a token",
       [](Attempt& a) { replace(a.input, "keyid=\"as64496\"", "keyid=as64496"); }, kSyntax,
       "signature_input.sig1.keyid"},
      {"unknown signature parameter", [](Attempt& a) { a.input += ";foo=1"; }, kSyntax,
       "signature_input.sig1.foo"},
      {"Signature member is a string", [](Attempt& a) { a.signature = "sig1=\"not bytes\""; },
       kSyntax, "signature.sig1"},
      {"Signature member for the label missing",
       [](Attempt& a) { replace(a.signature, "sig1=", "sig2="); }, kSyntax, "signature.sig1"},
      {"Signature not padded base64",
       [](Attempt& a) {
         while (a.signature.size() > 2 && a.signature[a.signature.size() - 2] == '=')
           a.signature.erase(a.signature.size() - 2, 1);
       },
       kSyntax, "signature"},
      {"Signature byte sequence unterminated", [](Attempt& a) { a.signature.pop_back(); }, kSyntax,
       "signature"},
      {"Signature-Input over 8 KiB",
       [](Attempt& a) { a.input += ", pad=\"" + std::string(8 * 1024, 'x') + "\""; }, kSyntax,
       "signature_input"},
      {"Signature-Input with 65 members",
       [](Attempt& a) {
         for (int i = 0; i < 64; ++i)
           a.input += ", s" + std::to_string(i) + "=()";
       },
       kSyntax, "signature_input"},
      {"Signature-Input with 65 components",
       [](Attempt& a) {
         std::string many = "sig1=(";
         for (int i = 0; i < 65; ++i)
           many += "\"x-h" + std::to_string(i) + "\" ";
         a.input = many + ");created=1767225600;keyid=\"as64496\"";
       },
       kSyntax, "signature_input"},
      {"content-digest malformed",
       [](Attempt& a) {
         a.message.fields.back().second = "sha-512=\"not bytes\"";
         a.resign(default_params(), default_components());
       },
       kSyntax, "content-digest.sha-512"},
      {"covered field value holds a line break",
       [](Attempt& a) { a.message.fields[1].second = "Bearer x\n\"@method\": GET"; }, kSyntax,
       "signature_input.sig1.components[2]"},
  };
}

TEST(HttpSignatureBadInput, EachRowFailsWithItsCodeAndField) {
  {
    auto baseline = good_attempt();
    auto verified = baseline->run();
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  }
  const std::vector<Row> table = rows();
  EXPECT_GE(table.size(), 20u);
  for (const Row& row : table) {
    SCOPED_TRACE(row.name);
    auto attempt = good_attempt();
    row.mutate(*attempt);
    auto result = attempt->run();
    ASSERT_FALSE(result) << row.name << " verified";
    EXPECT_EQ(to_string(result.error().code), to_string(row.code))
        << row.name << ": " << result.error().message;
    EXPECT_EQ(result.error().field, row.field) << row.name << ": " << result.error().message;
  }
}

TEST(HttpSignatureBadInput, ResolverAndNonceCacheFailuresPassThrough) {
  auto attempt = good_attempt();
  attempt->policy.resolve_key = [](std::string_view) -> Result<std::optional<ResolvedKey>> {
    return fail(ErrorCode::unavailable, "jwks", "key server down");
  };
  auto unavailable = attempt->run();
  ASSERT_FALSE(unavailable);
  EXPECT_EQ(unavailable.error().code, ErrorCode::unavailable);
  EXPECT_EQ(unavailable.error().field, "jwks");

  auto cache_down = good_attempt();
  cache_down->policy.check_nonce = [](const NonceUse&) -> Result<bool> {
    return fail(ErrorCode::store_error, "", "replay cache unavailable");
  };
  auto refused = cache_down->run();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::store_error);

  // A policy without clock or resolver is a programming error, reported, never a pass.
  auto no_clock = good_attempt();
  no_clock->policy.clock = nullptr;
  auto internal = no_clock->run();
  ASSERT_FALSE(internal);
  EXPECT_EQ(internal.error().code, ErrorCode::internal);
}

TEST(HttpSignatureBadInput, NonceIsSpentOnlyByAuthenticSignatures) {
  auto attempt = good_attempt();
  const std::string good_signature = attempt->signature;
  attempt->message.method = "PUT";  // the signature fails before the nonce is looked at
  ASSERT_FALSE(attempt->run());
  attempt->message.method = "POST";
  auto verified = attempt->run();
  ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
}

}  // namespace
}  // namespace peerapi::auth::httpsig
