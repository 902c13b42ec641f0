// libFuzzer target for access-token validation (untrusted bearer tokens, RFC 9068 / RFC 8725).
// One fixed issuer trusts two published test keys (RFC 8037 Appendix A.1 Ed25519, RFC 7515
// Appendix A.3 P-256) through a StaticKeySource. Two input forms:
//  - a compact token, validated as received;
//  - input starting with '{': a JSON claims set, or a JSON header, a newline and a claims set,
//    signed with the Ed25519 test key and then validated, so mutations reach the claim checks
//    behind the signature.
// Invariants checked (abort on violation): a validator with the verified-token cache and one
// without agree; a second validation through the cache returns the same principal; every error
// is `unauthenticated` with a field and a message of bounded size, so it cannot quote the token;
// every success grants at least one ASN to a non-empty subject of the fixed issuer. Seeds:
// fuzz/corpus/access_token/.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"
#include "auth/tokens/access_token.hpp"
#include "auth/tokens/key_source.hpp"
#include "util/clock.hpp"

namespace {

namespace jose = peerapi::auth::jose;
using peerapi::auth::AccessTokenValidator;
using peerapi::auth::CacheOptions;
using peerapi::auth::IssuerPolicy;
using peerapi::auth::ValidatedToken;

constexpr std::int64_t kNowMs = 1'750'000'000'000;  // the seeds' iat/exp are around this
constexpr std::string_view kIssuer = "https://idp.example.net";
constexpr std::string_view kAudience = "https://peering.example.net";
constexpr std::size_t kMaxMessageBytes = 256;

// Published test keys: RFC 8037 Appendix A.1 and RFC 7515 Appendix A.3. Never trust them.
constexpr std::string_view kEd25519 = R"({"kty":"OKP","crv":"Ed25519","kid":"fuzz-ed25519",)"
                                      R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",)"
                                      R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"})";
constexpr std::string_view kP256 = R"({"kty":"EC","crv":"P-256","kid":"fuzz-p256",)"
                                   R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                   R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
                                   R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";

struct Fixture {
  jose::Jwk signing_key;
  std::shared_ptr<peerapi::auth::KeySource> keys;
  peerapi::util::ManualClock clock{kNowMs};
};

jose::Jwk load(std::string_view json) {
  auto key = jose::Jwk::parse(json, jose::PrivateMembers::allow);
  if (!key)
    std::abort();
  return std::move(*key);
}

const Fixture& fixture() {
  static const Fixture instance = [] {
    jose::Jwk ed25519 = load(kEd25519);
    jose::Jwk p256 = load(kP256);
    auto ed_public = ed25519.public_key();
    auto p256_public = p256.public_key();
    if (!ed_public || !p256_public)
      std::abort();
    auto set = std::make_shared<const jose::JwkSet>(
        std::vector<jose::Jwk>{std::move(*ed_public), std::move(*p256_public)});
    return Fixture{std::move(ed25519), std::make_shared<peerapi::auth::StaticKeySource>(set)};
  }();
  return instance;
}

std::vector<IssuerPolicy> issuers() {
  IssuerPolicy policy;
  policy.issuer = kIssuer;
  policy.audience = kAudience;
  policy.algorithms = {jose::Algorithm::eddsa, jose::Algorithm::es256};
  policy.keys = fixture().keys;
  return {std::move(policy)};
}

void check(bool condition) {
  if (!condition)
    std::abort();
}

/// Signs `input` (claims, or header '\n' claims) with the Ed25519 key; "" when it is not JSON.
std::string sign_fuzzed_claims(std::string_view input) {
  boost::json::object header{{"typ", "at+jwt"}, {"kid", "fuzz-ed25519"}};
  std::string_view claims_text = input;
  if (const std::size_t newline = input.find('\n'); newline != std::string_view::npos) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(input.substr(0, newline), ec);
    if (ec || !parsed.is_object())
      return {};
    header = std::move(parsed.get_object());
    claims_text = input.substr(newline + 1);
  }
  boost::system::error_code ec;
  boost::json::value claims = boost::json::parse(claims_text, ec);
  if (ec || !claims.is_object())
    return {};
  auto token =
      jose::sign_jwt(jose::Algorithm::eddsa, fixture().signing_key, header, claims.get_object());
  return token ? std::move(*token) : std::string();
}

bool same(const ValidatedToken& a, const ValidatedToken& b) {
  return a.principal.subject == b.principal.subject && a.principal.issuer == b.principal.issuer &&
         a.principal.email == b.principal.email && a.principal.asns == b.principal.asns &&
         a.cnf_jkt == b.cnf_jkt && a.expires_at_ms == b.expires_at_ms &&
         a.token_hash == b.token_hash;
}

void validate(std::string_view token) {
  const Fixture& f = fixture();
  CacheOptions no_cache;
  no_cache.enabled = false;
  CacheOptions small_cache;
  small_cache.max_entries = 8;
  small_cache.shards = 2;
  AccessTokenValidator uncached(issuers(), f.clock, no_cache);
  AccessTokenValidator cached(issuers(), f.clock, small_cache);

  auto plain = uncached.validate(token);
  auto first = cached.validate(token);
  auto second = cached.validate(token);
  check(plain.has_value() == first.has_value() && first.has_value() == second.has_value());
  if (!plain) {
    const peerapi::Error& error = plain.error();
    check(error.code == peerapi::ErrorCode::unauthenticated && !error.field.empty());
    check(first.error().field == error.field && second.error().field == error.field);
    // Messages are short whatever the input, so they cannot carry a token along.
    check(error.message.size() <= kMaxMessageBytes);
    return;
  }
  check(same(*plain, *first) && same(*first, *second));
  check(!plain->principal.subject.empty() && plain->principal.issuer == kIssuer);
  check(!plain->principal.asns.empty());
  check(plain->token_hash == peerapi::auth::access_token_hash(token));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input.front() == '{') {
    const std::string token = sign_fuzzed_claims(input);
    if (!token.empty())
      validate(token);
    return 0;
  }
  validate(input);
  return 0;
}
