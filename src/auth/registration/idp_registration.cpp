#include "auth/registration/idp_registration.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <utility>

#include "net/outbound_guard.hpp"

namespace peerapi::auth {

namespace {

constexpr std::string_view kField = "idp_base";

std::unexpected<Error> at_idp_base(ErrorCode code, std::string message) {
  return fail(code, std::string(kField), std::move(message));
}

/// Text from a remote party made safe for a message: printable ASCII only, at most `limit`.
std::string sanitized(std::string_view text, std::size_t limit = 200) {
  std::string out;
  for (char c : text.substr(0, limit))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

/// Remembers whether any request failed in transport, so a discovery failure can be told apart:
/// the IdP could not be reached, or it answered without a usable document.
class TransportWatch final : public net::HttpClient {
 public:
  explicit TransportWatch(net::HttpClient& inner) : inner_(inner) {}
  Result<net::HttpResult> fetch(const net::HttpRequest& request) override {
    auto result = inner_.fetch(request);
    if (!result && result.error().code == ErrorCode::io_error)
      failed_ = true;
    return result;
  }
  [[nodiscard]] bool transport_failed() const { return failed_; }

 private:
  net::HttpClient& inner_;
  bool failed_ = false;
};

/// The reason of an RFC 7591 section 3.2.2 error response, when the body is one.
std::string registration_error_reason(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object())
    return {};
  const boost::json::object& object = parsed.get_object();
  std::string reason;
  if (const auto* error = object.if_contains("error"); error && error->is_string())
    reason = sanitized(error->get_string(), 64);
  if (const auto* description = object.if_contains("error_description");
      description && description->is_string()) {
    reason += (reason.empty() ? "" : ": ") + sanitized(description->get_string());
  }
  return reason;
}

}  // namespace

ConfiguredIdpAttestation::ConfiguredIdpAttestation(std::vector<config::AttestedIdp> idps)
    : idps_(std::move(idps)) {
  for (config::AttestedIdp& idp : idps_) {
    std::ranges::sort(idp.asns);
    const auto duplicates = std::ranges::unique(idp.asns);
    idp.asns.erase(duplicates.begin(), duplicates.end());
  }
}

bool ConfiguredIdpAttestation::may_attest(std::string_view issuer) const {
  return std::ranges::any_of(idps_, [&](const config::AttestedIdp& idp) {
    return idp.issuer == issuer && !idp.asns.empty();
  });
}

Result<std::vector<model::Asn>> ConfiguredIdpAttestation::asns_for(
    std::string_view issuer, const AuthorizationServerMetadata& /*metadata*/) {
  for (const config::AttestedIdp& idp : idps_) {
    if (idp.issuer == issuer && !idp.asns.empty())
      return idp.asns;
  }
  return at_idp_base(ErrorCode::forbidden,
                     "this IdP is not attested for any ASN; the operator lists attested IdPs in "
                     "[[auth.attested_idps]]");
}

std::string client_metadata_json(const std::vector<model::Asn>& our_asns) {
  std::string names;
  for (const model::Asn& asn : our_asns)
    names += (names.empty() ? "" : ", ") + asn.to_string();
  const boost::json::object metadata{
      {"client_name", "peerapi (" + names + ")"},
      {"grant_types", boost::json::array{boost::json::string(kTokenExchangeGrant)}},
      {"scope", kPeeringApiScope},
      {"token_endpoint_auth_method", "client_secret_basic"},
  };
  return boost::json::serialize(metadata);
}

Result<void> parse_client_information(std::string_view json, IdpRegistration& out) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec)
    return fail(ErrorCode::malformed_json, "", "the response is not JSON");
  const boost::json::object* object = parsed.if_object();
  if (object == nullptr)
    return fail(ErrorCode::wrong_type, "", "the response must be a JSON object");

  const boost::json::value* client_id = object->if_contains("client_id");
  if (client_id == nullptr)
    return fail(ErrorCode::missing_field, "client_id", "the response has no client_id");
  if (!client_id->is_string())
    return fail(ErrorCode::wrong_type, "client_id", "must be a string");
  if (client_id->get_string().empty() || client_id->get_string().size() > 1024)
    return fail(ErrorCode::invalid_value, "client_id", "must be 1 to 1024 characters");

  std::optional<std::string> secret;
  if (const boost::json::value* value = object->if_contains("client_secret");
      value != nullptr && !value->is_null()) {
    if (!value->is_string())
      return fail(ErrorCode::wrong_type, "client_secret", "must be a string");
    secret = std::string(value->get_string());
  }
  std::optional<std::int64_t> expires_at;
  if (const boost::json::value* value = object->if_contains("client_secret_expires_at");
      value != nullptr && !value->is_null()) {
    if (value->is_int64() && value->get_int64() >= 0)
      expires_at = value->get_int64();
    else if (value->is_uint64() || value->is_int64() || value->is_double())
      return fail(ErrorCode::invalid_value, "client_secret_expires_at",
                  "must be a non-negative integer, seconds since 1970 (0: never)");
    else
      return fail(ErrorCode::wrong_type, "client_secret_expires_at", "must be an integer");
  }
  out.client_id = std::string(client_id->get_string());
  out.client_secret = std::move(secret);
  out.client_secret_expires_at = expires_at;
  return {};
}

IdpRegistrar::IdpRegistrar(net::HttpClient& client, IdpAttestation& attestation,
                           std::vector<model::Asn> our_asns, const util::Clock& clock,
                           IdpRegistrarOptions options)
    : client_(client),
      attestation_(attestation),
      our_asns_(std::move(our_asns)),
      clock_(clock),
      options_(options) {}

Result<void> IdpRegistrar::check_idp_base(std::string_view idp_base) const {
  const std::string expected =
      options_.require_https ? "an absolute https URL" : "an absolute http(s) URL";
  if (idp_base.size() > options_.max_idp_base_bytes) {
    return at_idp_base(
        ErrorCode::invalid_url,
        "must be at most " + std::to_string(options_.max_idp_base_bytes) + " characters");
  }
  auto url = boost::urls::parse_uri(idp_base);
  if (!url)
    return at_idp_base(ErrorCode::invalid_url, "must be " + expected + " (RFC 3986)");
  const bool https = url->scheme_id() == boost::urls::scheme::https;
  const bool http = url->scheme_id() == boost::urls::scheme::http;
  if (!https && !(http && !options_.require_https))
    return at_idp_base(ErrorCode::invalid_url, "must be " + expected);
  if (!url->has_authority() || url->encoded_host().empty())
    return at_idp_base(ErrorCode::invalid_url, "must name a host");
  if (url->has_userinfo())
    return at_idp_base(ErrorCode::invalid_url, "must not contain credentials");
  if (url->has_query() || url->has_fragment()) {
    return at_idp_base(ErrorCode::invalid_url,
                       "must not have a query or fragment (an issuer identifier, RFC 8414 "
                       "section 2)");
  }
  return {};
}

Result<void> IdpRegistrar::precheck(std::string_view idp_base) const {
  if (auto checked = check_idp_base(idp_base); !checked)
    return checked;
  if (!attestation_.may_attest(idp_base)) {
    return at_idp_base(ErrorCode::forbidden,
                       "this IdP is not attested for any ASN; the operator lists attested IdPs "
                       "in [[auth.attested_idps]]");
  }
  return {};
}

Result<IdpRegistration> IdpRegistrar::register_at(std::string_view idp_base) {
  if (auto checked = precheck(idp_base); !checked)
    return std::unexpected(checked.error());

  TransportWatch watch(client_);
  auto metadata = discover(idp_base, watch);
  if (!metadata) {
    const Error& error = metadata.error();
    if (watch.transport_failed()) {
      return at_idp_base(ErrorCode::unavailable,
                         "the IdP could not be reached; retry later (" + error.message + ")");
    }
    const std::string where =
        error.field.empty() || error.field == "issuer" ? "" : error.field + ": ";
    return at_idp_base(ErrorCode::invalid_value,
                       "the IdP offers no valid discovery document (RFC 8414, OpenID Connect "
                       "Discovery): " +
                           where + error.message);
  }

  auto asns = attestation_.asns_for(idp_base, *metadata);
  if (!asns)
    return at_idp_base(asns.error().code, asns.error().message);
  if (asns->empty()) {
    return at_idp_base(ErrorCode::forbidden,
                       "this IdP is not attested for any ASN; the operator lists attested IdPs "
                       "in [[auth.attested_idps]]");
  }

  if (metadata->registration_endpoint.empty()) {
    return at_idp_base(ErrorCode::invalid_value,
                       "the IdP offers no registration_endpoint (RFC 7591 dynamic client "
                       "registration; RFC 8414 section 2)");
  }
  net::HttpRequest request;
  request.method = net::Method::post;
  request.url = metadata->registration_endpoint;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = client_metadata_json(our_asns_);
  request.max_response_bytes = options_.max_response_bytes;
  request.follow_redirects = false;
  const std::string shown = net::display_url(metadata->registration_endpoint);
  auto response = client_.fetch(request);
  if (!response) {
    return at_idp_base(ErrorCode::unavailable, "the IdP's registration endpoint " + shown +
                                                   " could not be reached; retry later (" +
                                                   response.error().message + ")");
  }
  if (response->status >= 500 || response->status == 429) {
    return at_idp_base(ErrorCode::unavailable,
                       "the IdP's registration endpoint " + shown + " answered HTTP " +
                           std::to_string(response->status) + "; retry later");
  }
  if (!response->ok()) {
    const std::string reason = registration_error_reason(response->body);
    return at_idp_base(ErrorCode::invalid_value, "the IdP refused the registration at " + shown +
                                                     ": HTTP " + std::to_string(response->status) +
                                                     (reason.empty() ? "" : " (" + reason + ")") +
                                                     " (RFC 7591 section 3.2.2)");
  }

  IdpRegistration registration;
  if (auto parsed = parse_client_information(response->body, registration); !parsed) {
    const Error& error = parsed.error();
    return at_idp_base(ErrorCode::invalid_value,
                       "the IdP's registration response (RFC 7591 section 3.2.1) is not valid: " +
                           (error.field.empty() ? "" : error.field + ": ") + error.message);
  }
  registration.issuer = std::string(idp_base);
  registration.asns = std::move(*asns);
  registration.jwks_uri = metadata->jwks_uri;
  registration.created_at_ms = clock_.now_ms();
  return registration;
}

IssuerPolicy registered_issuer_policy(const IdpRegistration& registration,
                                      std::shared_ptr<KeySource> keys, std::int64_t leeway_ms) {
  IssuerPolicy policy;
  policy.issuer = registration.issuer;
  policy.audience = registration.client_id;
  policy.algorithms = jose::AlgorithmSet::all_asymmetric();
  policy.typ = IssuerPolicy::TypPolicy::at_jwt_only;
  policy.leeway_ms = leeway_ms;
  policy.keys = std::move(keys);
  policy.allowed_asns = registration.asns;
  return policy;
}

}  // namespace peerapi::auth
