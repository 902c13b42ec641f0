// The client half of request integrity (draft section 10, M2/M3): for one outgoing request, the
// headers that prove possession of the DPoP key (RFC 9449 section 4.2) and sign the request with
// it (RFC 9421, covering @method, @target-uri, authorization and, with a body, content-digest
// per RFC 9530). Used by the initiator's client and by tests; the server's RequestAuthenticator
// checks exactly what this produces.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/httpsig/message_signature.hpp"
#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "model/error.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {

struct OutgoingRequest {
  std::string method;  // "POST"
  std::string url;     // absolute: "https://peering.example.net/sessions?asn=64501"
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // already present (Content-Type...)
};

struct SignerOptions {
  bool dpop = true;        // Authorization: DPoP + a DPoP proof (else Authorization: Bearer)
  bool signatures = true;  // RFC 9421 signature with the DPoP key (needs dpop)
  std::optional<std::string> dpop_nonce;  // the server's last DPoP-Nonce, when it asked for one
};

/// The RFC 9421 algorithm (section 3.3) a DPoP key signs requests with: fixed by the key type
/// (Ed25519, P-256, P-384), and for RSA keys by the proof's JWS family (PS* -> rsa-pss-sha512,
/// RS* -> rsa-v1_5-sha256), so the message never chooses it (RFC 9421 section 3.2 step 6).
/// nullopt for keys RFC 9421 has no algorithm for.
std::optional<httpsig::Algorithm> signature_algorithm_for(const jose::Jwk& key,
                                                          jose::Algorithm algorithm);

class RequestSigner {
 public:
  /// `key` is the private DPoP key; `algorithm` its JWS algorithm (ES256, EdDSA, PS256, RS256).
  /// `clock` and `random` must outlive the signer.
  RequestSigner(jose::Jwk key, jose::Algorithm algorithm, const util::Clock& clock,
                util::RandomSource& random);

  /// The RFC 7638 thumbprint of the key: what an IdP puts in the token's cnf.jkt.
  [[nodiscard]] const std::string& jkt() const noexcept { return jkt_; }

  /// The header lines to add to `request` (Authorization, DPoP, Content-Digest,
  /// Signature-Input, Signature), in that order. invalid_value naming the field when the URL is
  /// not absolute http(s), the token is empty, or the key can not sign.
  Result<std::vector<std::pair<std::string, std::string>>> headers_for(
      const OutgoingRequest& request, std::string_view access_token,
      const SignerOptions& options = {}) const;

 private:
  jose::Jwk key_;
  jose::Algorithm algorithm_;
  std::string jkt_;
  const util::Clock& clock_;
  util::RandomSource& random_;
};

}  // namespace peerapi::auth
