// libFuzzer target for the RFC 9421 / RFC 8941 / RFC 9530 parsers (untrusted Signature-Input,
// Signature and Content-Digest header values). Input: a Signature-Input value, NUL, a Signature
// value, NUL, a Content-Digest value (missing parts are empty). Runs the structured field
// parsers, the signature base, Content-Digest and a full verification against the RFC 9421 B.2
// test request with the B.1.4 Ed25519 key and the B.1.5 HMAC secret (so the B.2.5 and B.2.6
// seeds verify). Traps when a property breaks:
// - a parsed structured field re-serializes, and the serialization parses to the same value;
// - whatever sign() accepts, verify() accepts on the same message.
// Seeds: fuzz/corpus/httpsig/.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/httpsig/content_digest.hpp"
#include "auth/httpsig/message_signature.hpp"
#include "auth/httpsig/signature_base.hpp"
#include "auth/httpsig/structured_fields.hpp"
#include "auth/jose/jwk.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace {

namespace httpsig = peerapi::auth::httpsig;
namespace sf = peerapi::auth::httpsig::sf;
namespace jose = peerapi::auth::jose;
using peerapi::Result;

constexpr std::int64_t kCreated = 1618884473;

// RFC 9421 B.1.4 (test-key-ed25519) and B.1.5 (test-shared-secret).
constexpr std::string_view kEd25519Jwk = R"({"kty":"OKP","crv":"Ed25519","kid":"test-key-ed25519",)"
                                         R"("d":"n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU",)"
                                         R"("x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"})";
constexpr std::string_view kSharedSecret =
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";

struct Fixture {
  jose::Jwk ed25519 = jose::Jwk::parse(kEd25519Jwk, jose::PrivateMembers::allow).value();
  jose::Jwk hmac = jose::Jwk::from_secret(*peerapi::util::base64_decode(kSharedSecret)).value();
  peerapi::util::ManualClock clock{kCreated * 1000};
  httpsig::VerifyPolicy policy;
  httpsig::HttpMessageView request;
  httpsig::HttpMessageView response;

  Fixture() {
    request.method = "POST";
    request.scheme = "https";
    request.authority = "example.com";
    request.target = "/foo?param=Value&Pet=dog";
    request.body = R"({"hello": "world"})";
    request.fields = {{"Host", "example.com"},
                      {"Date", "Tue, 20 Apr 2021 02:07:55 GMT"},
                      {"Content-Type", "application/json"},
                      {"Content-Length", "18"}};
    response.status = 200;
    response.fields = {{"Content-Type", "application/json"}};
    policy.clock = &clock;
    policy.algorithms = {
        httpsig::Algorithm::rsa_pss_sha512,    httpsig::Algorithm::rsa_v1_5_sha256,
        httpsig::Algorithm::hmac_sha256,       httpsig::Algorithm::ecdsa_p256_sha256,
        httpsig::Algorithm::ecdsa_p384_sha384, httpsig::Algorithm::ed25519};
    policy.require_content_digest_with_body = false;
    policy.resolve_key =
        [this](std::string_view keyid) -> Result<std::optional<httpsig::ResolvedKey>> {
      if (keyid == "test-key-ed25519")
        return httpsig::ResolvedKey{ed25519, httpsig::Algorithm::ed25519};
      if (keyid == "test-shared-secret")
        return httpsig::ResolvedKey{hmac, httpsig::Algorithm::hmac_sha256};
      return std::nullopt;
    };
    policy.check_nonce = [](const httpsig::NonceUse&) -> Result<bool> { return true; };
  }
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

void require(bool property) {
  if (!property)
    __builtin_trap();
}

/// Parse, serialize, parse again: the two parses must agree.
template <class T, class Parse>
void check_round_trip(std::string_view text, Parse parse) {
  Result<T> parsed = parse(text);
  if (!parsed)
    return;
  Result<std::string> serialized = sf::serialize(*parsed);
  require(serialized.has_value());
  Result<T> reparsed = parse(*serialized);
  require(reparsed.has_value() && *reparsed == *parsed);
}

void exercise_structured_fields(std::string_view text) {
  check_round_trip<sf::List>(text, [](std::string_view t) { return sf::parse_list(t, "f"); });
  check_round_trip<sf::Dictionary>(text,
                                   [](std::string_view t) { return sf::parse_dictionary(t, "f"); });
  check_round_trip<sf::Item>(text, [](std::string_view t) { return sf::parse_item(t, "f"); });
}

/// For every Signature-Input member: the base against the request and the response, and the
/// sign-then-verify property on a request without Content-Digest.
void exercise_signature_input(std::string_view input, const Fixture& f) {
  auto dictionary = sf::parse_dictionary(input, "signature_input");
  if (!dictionary)
    return;
  std::size_t tried = 0;
  for (const auto& [label, member] : dictionary->members()) {
    if (++tried > 4)
      break;
    const auto* list = std::get_if<sf::InnerList>(&member);
    if (list == nullptr)
      continue;
    static_cast<void>(httpsig::build_signature_base(f.request, *list));
    static_cast<void>(httpsig::build_signature_base(f.response, *list, &f.request));
    auto components = httpsig::covered_components(*list);
    if (!components)
      continue;
    httpsig::SignatureParams params;
    params.created = kCreated;
    params.keyid = "test-key-ed25519";
    params.nonce = "n";
    auto signed_headers = httpsig::sign(f.request, f.ed25519, httpsig::Algorithm::ed25519,
                                        *components, params, label);
    // verify() bounds the Signature-Input value; sign() may add up to ~60 bytes of parameters.
    if (!signed_headers || signed_headers->signature_input.size() > sf::Limits{}.max_bytes)
      continue;
    auto verified = httpsig::verify(f.request, signed_headers->signature_input,
                                    signed_headers->signature, f.policy);
    require(verified.has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  std::string_view rest = input;
  for (int i = 0; i < 3; ++i) {
    const std::size_t nul = i < 2 ? rest.find('\0') : std::string_view::npos;
    parts[i] = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  }
  const std::string_view signature_input = parts[0];
  const std::string_view signature = parts[1];
  const std::string_view content_digest = parts[2];
  const Fixture& f = fixture();

  for (std::string_view part : parts)
    exercise_structured_fields(part);
  static_cast<void>(httpsig::verify_content_digest(content_digest, f.request.body));
  exercise_signature_input(signature_input, f);

  // A full verification of the request carrying the three values, with and without a label.
  httpsig::HttpMessageView message = f.request;
  message.fields.emplace_back("Content-Digest", std::string(content_digest));
  message.fields.emplace_back("Signature-Input", std::string(signature_input));
  message.fields.emplace_back("Signature", std::string(signature));
  static_cast<void>(httpsig::verify(message, f.policy));
  httpsig::VerifyPolicy labelled = f.policy;
  labelled.label = "sig1";
  labelled.require_content_digest_with_body = true;
  labelled.required_components = {"@method", "@authority"};
  static_cast<void>(httpsig::verify(message, signature_input, signature, labelled));
  // The response of RFC 9421 B.2, with the request as the related one ("req").
  httpsig::HttpMessageView response = f.response;
  response.fields.emplace_back("Signature-Input", std::string(signature_input));
  response.fields.emplace_back("Signature", std::string(signature));
  httpsig::VerifyPolicy bound = f.policy;
  bound.related_request = &f.request;
  static_cast<void>(httpsig::verify(response, bound));
  return 0;
}
