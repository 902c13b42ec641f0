#include "auth/request_authenticator.hpp"

#include <algorithm>

#include "auth/dpop/proof.hpp"
#include "auth/httpsig/message_signature.hpp"
#include "auth/request_signer.hpp"
#include "util/ascii.hpp"

namespace peerapi::auth {

namespace {

bool looks_like_jwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

}  // namespace

RequestAuthenticator::RequestAuthenticator(RequestAuthOptions options, RequestAuthParts parts,
                                           ReplayCache& replay, const util::Clock& clock)
    : options_(options), parts_(std::move(parts)), replay_(replay), clock_(clock) {}

AuthError RequestAuthenticator::failure(AuthFailure kind, std::string field,
                                        std::string description) const {
  AuthError error(kind, std::move(description), std::move(field));
  if (options_.require_dpop)
    error.scheme = "DPoP";
  return error;
}

std::expected<RequestAuthenticator::TokenIdentity, AuthError> RequestAuthenticator::identify(
    std::string_view token) {
  if (parts_.static_tokens) {
    if (const Principal* principal = parts_.static_tokens->find(token))
      return TokenIdentity{*principal, std::nullopt};
  }
  if (parts_.access_tokens && looks_like_jwt(token)) {
    auto validated = parts_.access_tokens->validate(token);
    if (!validated) {
      return std::unexpected(
          failure(AuthFailure::invalid_token, validated.error().field, validated.error().message));
    }
    return TokenIdentity{std::move(validated->principal), std::move(validated->cnf_jkt)};
  }
  if (parts_.peeringdb) {
    auto principal = parts_.peeringdb->validate(token);
    if (!principal) {
      const bool down = principal.error().code == ErrorCode::io_error;
      return std::unexpected(failure(down ? AuthFailure::unavailable : AuthFailure::invalid_token,
                                     principal.error().field, principal.error().message));
    }
    return TokenIdentity{std::move(*principal), std::nullopt};
  }
  return std::unexpected(
      failure(AuthFailure::invalid_token, "Authorization", "the access token is not valid"));
}

std::expected<Principal, AuthError> RequestAuthenticator::authenticate(const RequestView& request) {
  auto credentials = parse_authorization(request.authorization);
  if (!credentials) {
    AuthError error = credentials.error();
    error.scheme = options_.require_dpop ? "DPoP" : "Bearer";
    return std::unexpected(std::move(error));
  }
  const bool dpop_scheme = credentials->scheme == Credentials::Scheme::dpop;
  if (options_.require_dpop && !dpop_scheme) {
    return std::unexpected(failure(AuthFailure::invalid_token, "Authorization",
                                   "this server requires DPoP-bound access tokens "
                                   "(Authorization: DPoP <token> with a DPoP proof, RFC 9449)"));
  }

  auto identity = identify(credentials->token);
  if (!identity)
    return std::unexpected(identity.error());

  if (!dpop_scheme) {
    if (identity->cnf_jkt) {
      // RFC 9449 section 7.2: a bound token must not be accepted as a bearer token.
      return std::unexpected(failure(AuthFailure::invalid_token, "token.cnf.jkt",
                                     "this access token is bound to a DPoP key: send it as "
                                     "\"Authorization: DPoP <token>\" with a DPoP proof"));
    }
    return std::move(identity->principal);
  }

  if (!identity->cnf_jkt) {
    return std::unexpected(failure(AuthFailure::invalid_token, "token.cnf.jkt",
                                   "the access token is not bound to a DPoP key (no cnf.jkt)"));
  }
  std::vector<std::string_view> proofs;
  if (request.fields != nullptr) {
    for (const auto& [name, value] : *request.fields) {
      if (util::iequals(name, "DPoP"))
        proofs.push_back(value);
    }
  }
  if (proofs.size() != 1) {
    return std::unexpected(failure(AuthFailure::invalid_dpop_proof, "dpop",
                                   proofs.empty() ? "a DPoP proof header is required"
                                                  : "exactly one DPoP proof header is allowed"));
  }
  const std::int64_t now = clock_.now_ms();
  dpop::ProofExpectations expect;
  expect.method = std::string(request.method);
  expect.target_uri = std::string(request.origin) + std::string(request.target);
  expect.access_token = std::string(credentials->token);
  expect.algorithms = options_.proof_algorithms;
  expect.max_age_ms = options_.proof_max_age_ms;
  expect.max_future_skew_ms = options_.max_skew_ms;
  expect.nonce_issuer = parts_.nonces.get();
  expect.expected_jkt = identity->cnf_jkt;
  // One-time values are spent together at the end, in one store write per request.
  DeferredReplayCache spent;
  auto proof = dpop::verify_proof(proofs.front(), expect, spent, now);
  if (!proof) {
    const Error& e = proof.error();
    if (e.code == ErrorCode::unavailable)
      return std::unexpected(failure(AuthFailure::unavailable, e.field, e.message));
    if (parts_.nonces && dpop::is_nonce_error(e)) {
      AuthError error = failure(AuthFailure::use_dpop_nonce, e.field, e.message);
      error.dpop_nonce = parts_.nonces->issue(now);
      return std::unexpected(std::move(error));
    }
    return std::unexpected(failure(AuthFailure::invalid_dpop_proof, e.field, e.message));
  }

  if (options_.require_signatures) {
    auto algorithm = signature_algorithm_for(proof->key, proof->alg);
    if (!algorithm) {
      return std::unexpected(failure(AuthFailure::invalid_signature, "dpop.jwk",
                                     "the DPoP key can not sign HTTP messages (RFC 9421 "
                                     "section 3.3 has no algorithm for it)"));
    }
    httpsig::HttpMessageView message;
    message.method = std::string(request.method);
    const auto scheme_end = request.origin.find("://");
    message.scheme = std::string(request.origin.substr(0, scheme_end));
    message.authority = std::string(
        scheme_end == std::string_view::npos ? "" : request.origin.substr(scheme_end + 3));
    message.target = std::string(request.target);
    if (request.fields != nullptr)
      message.fields = *request.fields;
    message.body = std::string(request.body);

    httpsig::VerifyPolicy policy;
    const std::string jkt = proof->jkt;
    const jose::Jwk key = proof->key;
    policy.resolve_key =
        [&](std::string_view keyid) -> Result<std::optional<httpsig::ResolvedKey>> {
      if (keyid != jkt)
        return std::optional<httpsig::ResolvedKey>{};
      return std::optional<httpsig::ResolvedKey>(httpsig::ResolvedKey{key, *algorithm});
    };
    policy.algorithms = {*algorithm};
    policy.clock = &clock_;
    policy.required_components = {"@method", "@target-uri", "authorization"};
    policy.require_content_digest_with_body = true;
    policy.max_age_seconds = options_.proof_max_age_ms / 1000;
    policy.max_skew_seconds = options_.max_skew_ms / 1000;
    policy.check_nonce = [&](const httpsig::NonceUse& use) -> Result<bool> {
      return spent.first_use("httpsig", std::string(use.keyid) + ":" + std::string(use.nonce),
                             use.remember_until * 1000 + 1000, now);
    };
    auto verified = httpsig::verify(message, policy);
    if (!verified) {
      const Error& e = verified.error();
      return std::unexpected(failure(e.code == ErrorCode::unavailable
                                         ? AuthFailure::unavailable
                                         : AuthFailure::invalid_signature,
                                     e.field, e.message));
    }
  }
  auto fresh = replay_.first_use_all(spent.values(), now);
  if (!fresh) {
    return std::unexpected(failure(AuthFailure::unavailable, "dpop.jti",
                                   "the replay cache failed: " + fresh.error().message));
  }
  if (!*fresh) {
    return std::unexpected(failure(AuthFailure::invalid_dpop_proof, "dpop.jti",
                                   "this DPoP proof (or the signature nonce) was used before "
                                   "(RFC 9449 section 11.1)"));
  }
  return std::move(identity->principal);
}

}  // namespace peerapi::auth
