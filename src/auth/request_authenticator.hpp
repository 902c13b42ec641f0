// The server's authentication chain (draft section 10, mitigations M1-M3): who is calling
// (static development tokens, JWT access tokens from configured issuers, PeeringDB OAuth
// tokens), proof that the caller holds the key the token is bound to (DPoP, RFC 9449), and
// integrity of the request itself (HTTP Message Signatures, RFC 9421, with Content-Digest,
// RFC 9530). The output is one Principal; every endpoint authorizes against it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/authenticator.hpp"
#include "auth/dpop/nonce.hpp"
#include "auth/jose/algorithm.hpp"
#include "auth/replay_cache.hpp"
#include "auth/tokens/access_token.hpp"
#include "auth/tokens/peeringdb_profile.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {

struct RequestAuthOptions {
  bool require_dpop = false;
  bool require_signatures = false;
  jose::AlgorithmSet proof_algorithms;  // DPoP proofs and the signatures made with their keys
  std::int64_t proof_max_age_ms = 300'000;
  std::int64_t max_skew_ms = 60'000;
};

/// Everything the chain may use; absent parts are simply not consulted.
struct RequestAuthParts {
  std::optional<StaticTokens> static_tokens;
  std::unique_ptr<AccessTokenValidator> access_tokens;
  std::unique_ptr<PeeringDbProfileValidator> peeringdb;
  std::unique_ptr<dpop::NonceIssuer> nonces;  // set: proofs must carry a server nonce
};

/// Contract of authenticate(), in order:
/// 1. Authorization "Bearer <t>" or "DPoP <t>" (no_credentials without one; with require_dpop
///    a Bearer token is invalid_token and the challenge names DPoP, RFC 9449 section 7.1).
/// 2. The token: a static token, else a JWT (three segments) validated against the configured
///    issuers, else an opaque token checked at PeeringDB's profile endpoint. invalid_token when
///    none accepts it; unavailable when PeeringDB can not be asked.
/// 3. Binding (RFC 9449 section 7): a token with cnf.jkt must come as "DPoP" with exactly one
///    DPoP proof made with that key for this method and URI (ath = the token's hash), fresh
///    (iat, jti not replayed in the shared replay cache) and with the server nonce when nonces
///    are on; a DPoP-scheme token must carry cnf.jkt; a bound token offered as Bearer is refused.
/// 4. With require_signatures: a Signature-Input/Signature pair (RFC 9421) whose keyid is the
///    proof key's thumbprint, made with that key, covering @method, @target-uri, authorization
///    and, with a body, content-digest (checked against the body), created within the window,
///    nonce (when present) not replayed.
class RequestAuthenticator final : public Authenticator {
 public:
  /// `replay` and `clock` must outlive the authenticator.
  RequestAuthenticator(RequestAuthOptions options, RequestAuthParts parts, ReplayCache& replay,
                       const util::Clock& clock);
  std::expected<Principal, AuthError> authenticate(const RequestView& request) override;

 private:
  struct TokenIdentity {
    Principal principal;
    std::optional<std::string> cnf_jkt;
  };
  std::expected<TokenIdentity, AuthError> identify(std::string_view token);
  AuthError failure(AuthFailure kind, std::string field, std::string description) const;

  RequestAuthOptions options_;
  RequestAuthParts parts_;
  ReplayCache& replay_;
  const util::Clock& clock_;
};

}  // namespace peerapi::auth
