#include "auth/dev_idp.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "auth/jose/jws.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::dev_idp {

namespace json = boost::json;

Result<jose::Jwk> generate_key(std::string_view algorithm) {
  auto alg = jose::algorithm_from_name(algorithm);
  Result<jose::Jwk> key = fail(ErrorCode::invalid_value, "alg", "");
  if (alg == jose::Algorithm::eddsa)
    key = jose::Jwk::generate(jose::Curve::ed25519);
  else if (alg == jose::Algorithm::es256)
    key = jose::Jwk::generate(jose::Curve::p256);
  else if (alg == jose::Algorithm::es384)
    key = jose::Jwk::generate(jose::Curve::p384);
  else if (alg == jose::Algorithm::rs256 || alg == jose::Algorithm::ps256)
    key = jose::Jwk::generate_rsa(2048);
  else
    return fail(ErrorCode::invalid_value, "alg",
                "the development IdP signs with EdDSA, ES256, ES384, RS256 or PS256, not \"" +
                    std::string(algorithm) + "\"");
  if (!key)
    return key;
  return key->with_kid(key->thumbprint()).with_alg(std::string(algorithm));
}

Result<void> write_key(const std::filesystem::path& file, const jose::Jwk& key, bool overwrite) {
  if (!key.is_private())
    return fail(ErrorCode::invalid_value, "key", "only a private key can be written as an IdP key");
  std::error_code ec;
  if (file.has_parent_path())
    std::filesystem::create_directories(file.parent_path(), ec);
  const std::string text = json::serialize(key.to_json(jose::PrivateMembers::allow)) + "\n";
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  const int fd = ::open(file.c_str(), flags, 0600);
  if (fd < 0) {
    const std::string reason = errno == EEXIST ? "it exists (use --force to replace it)"
                                               : std::string(std::strerror(errno));
    return fail(ErrorCode::io_error, "out", "cannot write " + file.string() + ": " + reason);
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced)
    return fail(ErrorCode::io_error, "out", "cannot write " + file.string());
  return {};
}

Result<jose::Jwk> read_key(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, "key", "cannot read key file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  auto key = jose::Jwk::parse(text.str(), jose::PrivateMembers::allow);
  if (!key)
    return fail(ErrorCode::invalid_value, "key",
                file.string() + " is not a JWK: " + key.error().message);
  if (!key->is_private())
    return fail(ErrorCode::invalid_value, "key", file.string() + " holds no private key");
  return key;
}

Result<std::string> jwks_json(const jose::Jwk& key) {
  auto pub = key.public_key();
  if (!pub)
    return std::unexpected(pub.error());
  json::array keys;
  keys.push_back(pub->to_json(jose::PrivateMembers::reject));
  return json::serialize(json::object{{"keys", std::move(keys)}}) + "\n";
}

Result<std::string> issue_token(const jose::Jwk& key, const TokenRequest& request,
                                const util::Clock& clock, util::RandomSource& random) {
  if (request.issuer.empty())
    return fail(ErrorCode::invalid_value, "issuer", "an issuer is required");
  if (request.audience.empty())
    return fail(ErrorCode::invalid_value, "audience", "an audience is required");
  if (request.asns.empty())
    return fail(ErrorCode::invalid_value, "asn", "name at least one ASN the token may act for");
  if (request.ttl_seconds <= 0 || request.ttl_seconds > 86'400)
    return fail(ErrorCode::invalid_value, "ttl", "the lifetime must be 1 to 86400 seconds");
  if (request.perms < 1 || request.perms > 15)
    return fail(ErrorCode::invalid_value, "perms", "PeeringDB perms are 1 to 15");
  auto algorithm = jose::algorithm_from_name(key.alg());
  if (!algorithm)
    return fail(ErrorCode::invalid_value, "key", "the key names no signing algorithm (alg)");

  const std::int64_t now = clock.now_ms() / 1000;
  std::array<std::uint8_t, 16> jti{};
  random.fill(jti.data(), jti.size());
  json::array networks;
  for (const model::Asn asn : request.asns)
    networks.push_back(json::object{{"asn", asn.value()}, {"perms", request.perms}});
  json::object claims{
      {"iss", request.issuer},
      {"aud", request.audience},
      {"sub", request.subject.empty()
                  ? "dev@as" + std::to_string(request.asns.front().value()) + ".example"
                  : request.subject},
      {"iat", now},
      {"exp", now + request.ttl_seconds},
      {"jti", util::base64url_encode(
                  std::string_view(reinterpret_cast<const char*>(jti.data()), jti.size()))},
      {"client_id", "peerapi-dev-idp"},
      {"scope", "urn:ietf:params:oauth:scope:peering-api"},
      {"networks", std::move(networks)},
  };
  if (request.email)
    claims["email"] = *request.email;
  if (request.dpop_jkt)
    claims["cnf"] = json::object{{"jkt", *request.dpop_jkt}};
  const json::object header{{"typ", "at+jwt"}, {"kid", key.kid()}};
  return jose::sign_jwt(*algorithm, key, header, claims);
}

}  // namespace peerapi::auth::dev_idp
