// RPKI-attested IdP registration (draft-ietf-grow-peering-api section "OAuth with RPKI Attested
// OAuth"): a client names its identity provider (POST /oauth/client_register {"idp_base"}), the
// server checks which ASNs that IdP is attested for, registers itself there as an OAuth client
// (RFC 7591 dynamic client registration) and from then on accepts that IdP's access tokens for
// those ASNs only. Pure protocol logic over an injected net::HttpClient, so it is tested against
// an HTTP double; storing the result and answering HTTP is the server's part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/tokens/access_token.hpp"
#include "auth/tokens/discovery.hpp"
#include "auth/tokens/key_source.hpp"
#include "config/config.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {

/// The scope this server registers with (draft "OAuth with RPKI Attested OAuth").
inline constexpr std::string_view kPeeringApiScope = "urn:ietf:params:oauth:scope:peering-api";
/// RFC 8693 section 2.1: the grant the client's IdP uses to mint tokens for this server.
inline constexpr std::string_view kTokenExchangeGrant =
    "urn:ietf:params:oauth:grant-type:token-exchange";

/// Which ASNs an identity provider is authoritative for. The draft's intent is an RPKI-signed
/// proof (draft-blahaj-grow-rpki-oauth): an implementation that fetches and verifies such a
/// proof -- located through the IdP's metadata, which is why asns_for receives it -- can replace
/// ConfiguredIdpAttestation without changing the registrar or the endpoint. Implementations are
/// called from several request threads at once.
class IdpAttestation {
 public:
  virtual ~IdpAttestation() = default;

  /// Cheap and without I/O: false when `issuer` can never be attested. The registrar asks this
  /// before any outbound request, so an anonymous caller cannot make the server fetch URLs of
  /// IdPs that are not attested. An implementation that can only decide from fetched data (an
  /// RPKI proof) returns true and relies on asns_for.
  [[nodiscard]] virtual bool may_attest(std::string_view issuer) const = 0;

  /// The ASNs `issuer` is authoritative for: non-empty, ascending, without duplicates.
  /// `metadata` is the IdP's verified discovery document (RFC 8414; its "issuer" equals
  /// `issuer`). forbidden at "idp_base" when the IdP is attested for no ASN.
  virtual Result<std::vector<model::Asn>> asns_for(std::string_view issuer,
                                                   const AuthorizationServerMetadata& metadata) = 0;
};

/// Attestation by operator configuration (`[[auth.attested_idps]] issuer, asns`): the issuer
/// must match a configured one octet for octet (RFC 8414 section 3.3 compares issuers that way;
/// clients send exactly the IdP's "issuer" as idp_base). Ignores the metadata.
class ConfiguredIdpAttestation final : public IdpAttestation {
 public:
  explicit ConfiguredIdpAttestation(std::vector<config::AttestedIdp> idps);
  [[nodiscard]] bool may_attest(std::string_view issuer) const override;
  Result<std::vector<model::Asn>> asns_for(std::string_view issuer,
                                           const AuthorizationServerMetadata& metadata) override;

 private:
  std::vector<config::AttestedIdp> idps_;  // asns sorted and unique
};

/// This server's client registration at one IdP, as the registrar obtained it.
struct IdpRegistration {
  std::string issuer;     // == idp_base == the IdP metadata's "issuer"
  std::string client_id;  // RFC 7591 section 3.2.1
  /// A secret: never logged, never put in an error message or an API response.
  std::optional<std::string> client_secret;
  std::optional<std::int64_t> client_secret_expires_at;  // Unix seconds, 0 = never
  std::vector<model::Asn> asns;                          // attested ASNs, ascending
  std::string jwks_uri;                                  // the IdP's token signing keys
  std::int64_t created_at_ms = 0;
};

struct IdpRegistrarOptions {
  /// idp_base must be an https URL. The endpoint always requires it; tests against a loopback
  /// HTTP double turn it off (the outbound guard still decides what may be fetched).
  bool require_https = true;
  /// Longest idp_base accepted, in octets.
  std::size_t max_idp_base_bytes = 2048;
  /// Cap on the registration response (RFC 7591 section 3.2.1), in octets.
  std::size_t max_response_bytes = 64 * 1024;
};

/// The RFC 7591 section 2 client metadata this server registers with: client_name
/// "peerapi (AS64500, AS64501)", grant_types [token exchange], scope kPeeringApiScope,
/// token_endpoint_auth_method "client_secret_basic". `our_asns` must not be empty.
std::string client_metadata_json(const std::vector<model::Asn>& our_asns);

/// Parses an RFC 7591 section 3.2.1 client information response into `out`: a JSON object
/// with "client_id" a non-empty string (required), "client_secret" a string and
/// "client_secret_expires_at" a non-negative integer (both optional). Errors name the member
/// (malformed_json / wrong_type at "", missing_field / wrong_type / invalid_value at
/// "client_id", "client_secret", "client_secret_expires_at") and never quote the body.
Result<void> parse_client_information(std::string_view json, IdpRegistration& out);

class IdpRegistrar {
 public:
  /// `client`, `attestation` and `clock` must outlive the registrar; `our_asns` (this server's
  /// networks, config network.asns) name us in client_name.
  IdpRegistrar(net::HttpClient& client, IdpAttestation& attestation,
               std::vector<model::Asn> our_asns, const util::Clock& clock,
               IdpRegistrarOptions options = {});

  /// invalid_url at "idp_base" unless `idp_base` is an absolute https URL (http too when
  /// options.require_https is off) with a host, no userinfo, query or fragment, at most
  /// max_idp_base_bytes long. No I/O.
  [[nodiscard]] Result<void> check_idp_base(std::string_view idp_base) const;

  /// Whether `idp_base` passes check_idp_base and the attestation's may_attest: what the
  /// registrar requires before any outbound request. No I/O.
  [[nodiscard]] Result<void> precheck(std::string_view idp_base) const;

  /// Registers this server at the IdP `idp_base`. Every error is at "idp_base":
  /// 1. precheck: invalid_url, or forbidden when the IdP is not attested -- no request made;
  /// 2. discovery (RFC 8414, then OpenID Connect Discovery): unavailable when the IdP could not
  ///    be reached (a transport failure, a timeout, or the outbound guard refusing its
  ///    address); invalid_value when it answered but offers no valid document (every
  ///    well-known URL answered non-2xx, bad JSON, a bad member, an "issuer" other than
  ///    idp_base) -- the message names the reason;
  /// 3. attestation.asns_for: forbidden when it attests no ASN;
  /// 4. no "registration_endpoint" in the metadata: invalid_value;
  /// 5. POST client_metadata_json() to it (RFC 7591 section 3.1, no redirects followed):
  ///    unavailable when it cannot be reached or answers 5xx or 429 (worth retrying);
  ///    invalid_value for any other non-2xx (the RFC 7591 section 3.2.2 "error" and
  ///    "error_description" quoted, sanitised) and for a response parse_client_information
  ///    refuses.
  /// The result has created_at_ms from the clock. Never returns the client secret in an error.
  Result<IdpRegistration> register_at(std::string_view idp_base);

 private:
  net::HttpClient& client_;
  IdpAttestation& attestation_;
  std::vector<model::Asn> our_asns_;
  const util::Clock& clock_;
  IdpRegistrarOptions options_;
};

/// The IssuerPolicy that accepts a registered IdP's tokens: issuer; audience = our client_id
/// (the client asks its IdP for an RFC 8693 token exchange towards this client id, so the
/// token's "aud" names it); allowed_asns = the attested ASNs (tokens are intersected with them);
/// every asymmetric algorithm and no HMAC (RFC 8725 section 3.1: the IdP's keys are public,
/// from jwks_uri); typ "at+jwt" only (RFC 9068); ASNs in the "networks" claim; `keys` (normally
/// a JwksKeySource on registration.jwks_uri).
IssuerPolicy registered_issuer_policy(const IdpRegistration& registration,
                                      std::shared_ptr<KeySource> keys,
                                      std::int64_t leeway_ms = 60'000);

}  // namespace peerapi::auth
