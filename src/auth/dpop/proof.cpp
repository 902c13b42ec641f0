#include "auth/dpop/proof.hpp"

#include <boost/json.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "auth/dpop/htu.hpp"
#include "auth/jose/jws.hpp"
#include "auth/jose/signature.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::dpop {
namespace {

constexpr std::string_view kField = "dpop";
constexpr std::string_view kNonceField = "dpop.nonce";
// "iat" must be a NumericDate (RFC 7519 section 2) between 1970 and 9999, so that it converts
// to milliseconds without overflow.
constexpr double kMaxIatSeconds = 253'402'300'799.0;

std::unexpected<Error> refuse(std::string_view field, std::string message) {
  return fail(ErrorCode::unauthenticated, std::string(field), std::move(message));
}

// A JOSE-layer error as a DPoP trust failure: "token" is the header value as a whole, "key"
// the header "jwk"; everything else keeps its path below "dpop".
std::unexpected<Error> from_jose(const Error& error) {
  Error out = error.under(kField);
  out.code = ErrorCode::unauthenticated;
  if (error.field == "token")
    out.field = std::string(kField);
  else if (error.field == "key")
    out.field = "dpop.jwk";
  return std::unexpected(std::move(out));
}

bool is_base64url_or_dot(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool is_whitespace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// RFC 9449 section 4.3 steps 1 and 2 (the part that needs no parsing).
Result<void> check_header_value(std::string_view value) {
  if (value.empty())
    return refuse(kField, "the DPoP header is empty");
  if (value.size() > kMaxProofBytes) {
    return refuse(kField,
                  "the DPoP proof is larger than " + std::to_string(kMaxProofBytes) + " bytes");
  }
  for (char c : value) {
    if (c == ',' || is_whitespace(c)) {
      return refuse(kField,
                    "the DPoP header carries more than one value (RFC 9449 section 4.3 step 1)");
    }
    if (!is_base64url_or_dot(c))
      return refuse(kField, "the DPoP header is not a compact JWS");
  }
  return {};
}

jose::AlgorithmSet asymmetric_only(const jose::AlgorithmSet& allowed) {
  jose::AlgorithmSet out;
  for (auto i = static_cast<std::size_t>(jose::Algorithm::rs256); i < jose::kAlgorithmCount; ++i) {
    const auto algorithm = static_cast<jose::Algorithm>(i);
    if (allowed.contains(algorithm))
      out.insert(algorithm);
  }
  return out;
}

Result<jose::Algorithm> check_alg(const jose::CompactJws& jws, const jose::AlgorithmSet& allowed) {
  if (const auto named = jose::algorithm_from_name(jws.alg()); named && jose::is_hmac(*named)) {
    return refuse("dpop.header.alg", "a DPoP proof must use an asymmetric algorithm, not " +
                                         std::string(jose::to_string(*named)) +
                                         " (RFC 9449 section 4.3 step 5)");
  }
  auto algorithm = jose::allowed_algorithm(jws, asymmetric_only(allowed));
  if (!algorithm)
    return from_jose(algorithm.error());
  return *algorithm;
}

Result<jose::Jwk> header_key(const jose::CompactJws& jws) {
  const boost::json::object* jwk = jws.jwk();
  if (jwk == nullptr)
    return refuse("dpop.jwk", "the proof has no \"jwk\" header (RFC 9449 section 4.2)");
  if (jose::has_private_members(*jwk)) {
    return refuse("dpop.jwk",
                  "the proof's jwk carries private key material (RFC 9449 section 4.3 step 7)");
  }
  auto key = jose::Jwk::from_json(boost::json::value(*jwk), jose::PrivateMembers::reject);
  if (!key) {
    Error error = key.error().under("dpop.jwk");
    error.code = ErrorCode::unauthenticated;
    return std::unexpected(std::move(error));
  }
  if (key->type() == jose::KeyType::oct || key->is_private())
    return refuse("dpop.jwk", "the proof's jwk is not an asymmetric public key");
  return std::move(*key);
}

struct Claims {
  std::string_view jti;
  std::string_view htm;
  std::string_view htu;
  std::int64_t iat_ms = 0;
};

Result<std::string_view> string_claim(const boost::json::object& claims, std::string_view name) {
  const std::string field = "dpop." + std::string(name);
  const boost::json::value* value = claims.if_contains(name);
  if (value == nullptr)
    return refuse(field, "the proof has no \"" + std::string(name) + "\" claim");
  if (!value->is_string())
    return refuse(field, "the \"" + std::string(name) + "\" claim must be a string");
  const boost::json::string& text = value->get_string();
  return std::string_view(text.data(), text.size());
}

Result<std::int64_t> iat_ms(const boost::json::object& claims) {
  const boost::json::value* value = claims.if_contains("iat");
  if (value == nullptr)
    return refuse("dpop.iat", "the proof has no \"iat\" claim");
  double seconds = 0;
  if (value->is_int64()) {
    seconds = static_cast<double>(value->get_int64());
  } else if (value->is_uint64()) {
    seconds = static_cast<double>(value->get_uint64());
  } else if (value->is_double()) {
    seconds = value->get_double();
  } else {
    return refuse("dpop.iat", "the \"iat\" claim must be a number (RFC 7519 section 2)");
  }
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxIatSeconds)
    return refuse("dpop.iat", "the \"iat\" claim is not a plausible time");
  if (value->is_int64())
    return value->get_int64() * 1000;
  return static_cast<std::int64_t>(std::floor(seconds * 1000.0));
}

// RFC 9449 section 4.3 step 3: required claims with the right types.
Result<Claims> required_claims(const boost::json::object& claims) {
  Claims out;
  auto jti = string_claim(claims, "jti");
  if (!jti)
    return std::unexpected(jti.error());
  if (jti->empty() || jti->size() > kMaxJtiBytes) {
    return refuse("dpop.jti",
                  "the \"jti\" claim must have 1 to " + std::to_string(kMaxJtiBytes) + " octets");
  }
  out.jti = *jti;
  auto htm = string_claim(claims, "htm");
  if (!htm)
    return std::unexpected(htm.error());
  out.htm = *htm;
  auto htu = string_claim(claims, "htu");
  if (!htu)
    return std::unexpected(htu.error());
  out.htu = *htu;
  auto iat = iat_ms(claims);
  if (!iat)
    return std::unexpected(iat.error());
  out.iat_ms = *iat;
  return out;
}

// RFC 9449 section 8: the server nonce, when one is required.
Result<void> check_nonce(const boost::json::object& claims, const ProofExpectations& expect,
                         std::int64_t now_ms) {
  if (!expect.nonce && expect.nonce_issuer == nullptr)
    return {};
  const boost::json::value* value = claims.if_contains("nonce");
  if (value == nullptr)
    return refuse(kNonceField, "a server-provided nonce is required (RFC 9449 section 8)");
  if (!value->is_string())
    return refuse(kNonceField, "the \"nonce\" claim must be a string");
  const std::string_view nonce(value->get_string().data(), value->get_string().size());
  if (expect.nonce && nonce == *expect.nonce)
    return {};
  if (expect.nonce_issuer != nullptr && expect.nonce_issuer->check(nonce, now_ms))
    return {};
  return refuse(kNonceField, "the nonce is not the current server nonce (RFC 9449 section 8)");
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum))
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  return sum;
}

std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference))
    return b < 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  return difference;
}

Result<void> check_iat(std::int64_t iat, const ProofExpectations& expect, std::int64_t now_ms) {
  if (iat < saturating_sub(now_ms, expect.max_age_ms)) {
    return refuse("dpop.iat", "the proof was issued more than " +
                                  std::to_string(expect.max_age_ms) + " ms ago");
  }
  if (iat > saturating_add(now_ms, expect.max_future_skew_ms)) {
    return refuse("dpop.iat", "the proof was issued more than " +
                                  std::to_string(expect.max_future_skew_ms) + " ms in the future");
  }
  return {};
}

// RFC 9449 section 4.3 step 12 and section 7: the proof is bound to the access token.
Result<void> check_ath(const boost::json::object& claims, const ProofExpectations& expect) {
  if (!expect.access_token)
    return {};
  auto ath = string_claim(claims, "ath");
  if (!ath)
    return std::unexpected(ath.error());
  if (!util::constant_time_equal(*ath, access_token_hash(*expect.access_token)))
    return refuse("dpop.ath", "the \"ath\" claim does not match the access token");
  return {};
}

}  // namespace

std::string access_token_hash(std::string_view access_token) {
  return util::base64url_encode(util::sha256(access_token));
}

bool is_nonce_error(const Error& error) noexcept {
  return error.code == ErrorCode::unauthenticated && error.field == kNonceField;
}

Result<VerifiedProof> verify_proof(std::string_view proof_header_value,
                                   const ProofExpectations& expect, ReplayCache& replay,
                                   std::int64_t now_ms) {
  const std::optional<std::string> target = normalize_htu(expect.target_uri);
  if (!target) {
    return fail(ErrorCode::invalid_value, "target_uri",
                "the request URI is not an absolute URI with an authority");
  }
  if (auto valid = check_header_value(proof_header_value); !valid)
    return std::unexpected(valid.error());

  jose::JwsLimits limits;
  limits.max_token_bytes = kMaxProofBytes;
  limits.max_header_bytes = kMaxProofBytes;
  limits.max_payload_bytes = kMaxProofBytes;
  limits.payload_format = jose::PayloadFormat::json_object;
  auto jws = jose::CompactJws::parse(proof_header_value, limits);
  if (!jws)
    return from_jose(jws.error());

  if (jws->typ() != kProofType) {
    return refuse("dpop.header.typ",
                  "the proof's typ must be \"dpop+jwt\" (RFC 9449 section 4.3 step 4)");
  }
  auto alg = check_alg(*jws, expect.algorithms);
  if (!alg)
    return std::unexpected(alg.error());
  auto key = header_key(*jws);
  if (!key)
    return std::unexpected(key.error());
  auto claims = required_claims(jws->claims());
  if (!claims)
    return std::unexpected(claims.error());

  if (auto signed_ok = jose::verify_signature(*alg, *key, jws->signing_input(), jws->signature());
      !signed_ok) {
    return from_jose(signed_ok.error());
  }

  if (claims->htm != expect.method) {
    return refuse("dpop.htm", "the proof's htm does not match the request method " + expect.method);
  }
  const std::optional<std::string> htu = normalize_htu(claims->htu);
  if (!htu)
    return refuse("dpop.htu", "the proof's htu is not an absolute URI");
  if (*htu != *target)
    return refuse("dpop.htu", "the proof's htu does not match the request URI " + *target);
  if (auto nonce = check_nonce(jws->claims(), expect, now_ms); !nonce)
    return std::unexpected(nonce.error());
  if (auto iat = check_iat(claims->iat_ms, expect, now_ms); !iat)
    return std::unexpected(iat.error());
  if (auto ath = check_ath(jws->claims(), expect); !ath)
    return std::unexpected(ath.error());

  std::string jkt = key->thumbprint();
  if (expect.expected_jkt && *expect.expected_jkt != jkt) {
    return refuse("dpop.jkt",
                  "the proof key is not the key the access token is bound to (RFC 9449 "
                  "section 6.1)");
  }

  // RFC 9449 section 11.1: remembered until the iat check alone would refuse the proof.
  std::string replay_id = jkt;
  replay_id += ':';
  replay_id.append(claims->jti);
  const std::int64_t expires_at_ms =
      saturating_add(saturating_add(claims->iat_ms, expect.max_age_ms), 1);
  auto first = replay.first_use(kReplayScope, replay_id, expires_at_ms, now_ms);
  if (!first) {
    return fail(ErrorCode::unavailable, "dpop.jti",
                "the DPoP replay cache is unavailable: " + first.error().message);
  }
  if (!*first)
    return refuse("dpop.jti", "the proof's jti was already used (RFC 9449 section 11.1)");

  return VerifiedProof{std::move(jkt), std::string(claims->jti), claims->iat_ms, *alg,
                       std::move(*key)};
}

Result<std::string> make_proof(const jose::Jwk& private_key, jose::Algorithm alg,
                               std::string_view method, std::string_view target_uri,
                               std::optional<std::string_view> access_token,
                               std::optional<std::string_view> nonce, std::int64_t now_ms,
                               util::RandomSource& random) {
  if (jose::is_hmac(alg)) {
    return fail(ErrorCode::invalid_value, "alg",
                "a DPoP proof needs an asymmetric algorithm (RFC 9449 section 4.2)");
  }
  if (!private_key.is_private())
    return fail(ErrorCode::invalid_value, "key", "signing a DPoP proof needs a private key");
  if (auto usable = jose::check_key_for(alg, private_key, jose::KeyOperation::sign); !usable)
    return std::unexpected(usable.error());
  if (method.empty())
    return fail(ErrorCode::invalid_value, "method", "the request method is empty");
  std::optional<std::string> htu = htu_for(target_uri);
  if (!htu) {
    return fail(ErrorCode::invalid_value, "target_uri",
                "the request URI is not an absolute URI with an authority");
  }
  auto public_key = private_key.public_key();
  if (!public_key)
    return std::unexpected(public_key.error());

  const std::array<std::uint8_t, 16> jti = random.bytes16();
  boost::json::object claims;
  claims["jti"] = util::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(jti.data()), jti.size()));
  claims["htm"] = method;
  claims["htu"] = *htu;
  claims["iat"] = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
  if (access_token)
    claims["ath"] = access_token_hash(*access_token);
  if (nonce)
    claims["nonce"] = *nonce;

  boost::json::object header;
  header["typ"] = kProofType;
  header["jwk"] = public_key->to_json(jose::PrivateMembers::reject);
  return jose::sign_jwt(alg, private_key, header, claims);
}

}  // namespace peerapi::auth::dpop
