#include "auth/request_signer.hpp"

#include <boost/url/parse.hpp>

#include "auth/dpop/proof.hpp"
#include "auth/httpsig/content_digest.hpp"
#include "auth/httpsig/message_signature.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {

std::optional<httpsig::Algorithm> signature_algorithm_for(const jose::Jwk& key,
                                                          jose::Algorithm algorithm) {
  switch (key.type()) {
    case jose::KeyType::okp:
      return httpsig::Algorithm::ed25519;
    case jose::KeyType::ec:
      if (key.curve() == jose::Curve::p256)
        return httpsig::Algorithm::ecdsa_p256_sha256;
      if (key.curve() == jose::Curve::p384)
        return httpsig::Algorithm::ecdsa_p384_sha384;
      return std::nullopt;
    case jose::KeyType::rsa:
      if (algorithm == jose::Algorithm::ps256 || algorithm == jose::Algorithm::ps384 ||
          algorithm == jose::Algorithm::ps512)
        return httpsig::Algorithm::rsa_pss_sha512;
      return httpsig::Algorithm::rsa_v1_5_sha256;
    case jose::KeyType::oct:
      return std::nullopt;
  }
  return std::nullopt;
}

RequestSigner::RequestSigner(jose::Jwk key, jose::Algorithm algorithm, const util::Clock& clock,
                             util::RandomSource& random)
    : key_(std::move(key)),
      algorithm_(algorithm),
      jkt_(key_.thumbprint()),
      clock_(clock),
      random_(random) {}

Result<std::vector<std::pair<std::string, std::string>>> RequestSigner::headers_for(
    const OutgoingRequest& request, std::string_view access_token,
    const SignerOptions& options) const {
  if (access_token.empty())
    return fail(ErrorCode::invalid_value, "access_token", "an access token is required");
  auto url = boost::urls::parse_absolute_uri(request.url);
  if (!url || (url->scheme_id() != boost::urls::scheme::https &&
               url->scheme_id() != boost::urls::scheme::http)) {
    return fail(ErrorCode::invalid_value, "url", "the request URL must be absolute http(s)");
  }
  std::vector<std::pair<std::string, std::string>> out;
  const std::int64_t now = clock_.now_ms();
  if (!options.dpop) {
    out.emplace_back("Authorization", "Bearer " + std::string(access_token));
    return out;
  }
  out.emplace_back("Authorization", "DPoP " + std::string(access_token));
  std::optional<std::string_view> nonce;
  if (options.dpop_nonce)
    nonce = *options.dpop_nonce;
  auto proof = dpop::make_proof(key_, algorithm_, request.method, request.url, access_token, nonce,
                                now, random_);
  if (!proof)
    return std::unexpected(proof.error());
  out.emplace_back("DPoP", std::move(*proof));
  if (!options.signatures)
    return out;

  auto signing = signature_algorithm_for(key_, algorithm_);
  if (!signing)
    return fail(ErrorCode::invalid_value, "key", "this key can not sign HTTP messages");
  if (!request.body.empty())
    out.emplace_back("Content-Digest", httpsig::content_digest_value(request.body));

  httpsig::HttpMessageView message;
  message.method = request.method;
  message.scheme = std::string(url->scheme());
  message.authority = std::string(url->encoded_authority());
  message.target = std::string(url->encoded_path().empty() ? "/" : url->encoded_path());
  if (url->has_query())
    message.target += "?" + std::string(url->encoded_query());
  message.fields = request.headers;
  message.fields.insert(message.fields.end(), out.begin(), out.end());
  message.body = request.body;

  std::vector<httpsig::ComponentId> components;
  for (const char* name : {"@method", "@target-uri", "authorization"})
    components.push_back(httpsig::ComponentId{name, {}});
  if (!request.body.empty())
    components.push_back(httpsig::ComponentId{"content-digest", {}});
  std::array<std::uint8_t, 16> nonce_bytes{};
  random_.fill(nonce_bytes.data(), nonce_bytes.size());
  httpsig::SignatureParams params;
  params.created = now / 1000;
  params.keyid = jkt_;
  params.nonce = util::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(nonce_bytes.data()), nonce_bytes.size()));
  auto signed_headers = httpsig::sign(message, key_, *signing, components, params, "sig1");
  if (!signed_headers)
    return std::unexpected(signed_headers.error());
  out.emplace_back("Signature-Input", std::move(signed_headers->signature_input));
  out.emplace_back("Signature", std::move(signed_headers->signature));
  return out;
}

}  // namespace peerapi::auth
