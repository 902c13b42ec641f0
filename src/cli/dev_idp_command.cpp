#include "cli/dev_idp_command.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "auth/dev_idp.hpp"
#include "model/asn.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct DevIdpOptions {
  std::string out;
  std::string algorithm = "EdDSA";
  bool force = false;
  std::string key;
  std::string issuer = "https://dev-idp.example";
  std::string audience = "http://127.0.0.1:8080";
  std::vector<std::int64_t> asns;
  std::string subject;
  std::string email;
  std::string dpop_jkt;
  std::int64_t ttl = 3600;
  int perms = 15;
};

int report(const Error& error) {
  std::cerr << "peerapi dev-idp: " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
  return error.code == ErrorCode::io_error ? kExitRuntime : kExitUsage;
}

}  // namespace

std::function<int()> add_dev_idp_commands(CLI::App& app, CLI::App*& dev_idp) {
  auto options = std::make_shared<DevIdpOptions>();
  dev_idp = app.add_subcommand(
      "dev-idp", "Development identity provider: keys, JWKS and signed access tokens (offline)");
  dev_idp->require_subcommand(1);

  auto* keygen = dev_idp->add_subcommand("keygen", "Create a signing key (private JWK, mode 0600)");
  keygen->add_option("--out,-o", options->out, "key file to create")->required();
  keygen->add_option("--alg", options->algorithm, "EdDSA (default), ES256, ES384, RS256, PS256");
  keygen->add_flag("--force", options->force, "replace an existing key file");

  auto* jwks = dev_idp->add_subcommand("jwks", "Print the JWK Set a server trusts the key with");
  jwks->add_option("--key,-k", options->key, "key file")->required();

  auto* thumbprint =
      dev_idp->add_subcommand("thumbprint", "Print the key's RFC 7638 thumbprint (a DPoP jkt)");
  thumbprint->add_option("--key,-k", options->key, "key file")->required();

  auto* token = dev_idp->add_subcommand("token", "Print a signed JWT access token (RFC 9068)");
  token->add_option("--key,-k", options->key, "key file")->required();
  token->add_option("--issuer", options->issuer, "iss (default https://dev-idp.example)");
  token->add_option("--audience", options->audience, "aud (default http://127.0.0.1:8080)");
  token->add_option("--asn", options->asns, "an ASN the token may act for (repeatable)")
      ->required();
  token->add_option("--sub", options->subject, "sub (default dev@as<ASN>.example)");
  token->add_option("--email", options->email, "email claim");
  token->add_option("--dpop-jkt", options->dpop_jkt, "bind the token to a DPoP key (cnf.jkt)");
  token->add_option("--ttl", options->ttl, "lifetime in seconds (default 3600)");
  token->add_option("--perms", options->perms, "PeeringDB perms per ASN (default 15)");

  return [options, keygen, jwks, thumbprint, token]() -> int {
    if (*keygen) {
      auto key = auth::dev_idp::generate_key(options->algorithm);
      if (!key)
        return report(key.error());
      if (auto written = auth::dev_idp::write_key(options->out, *key, options->force); !written)
        return report(written.error());
      std::cout << "wrote " << options->out << " (" << key->alg() << ", kid " << key->kid()
                << ")\n";
      return 0;
    }
    auto key = auth::dev_idp::read_key(options->key);
    if (!key)
      return report(key.error());
    if (*jwks) {
      auto text = auth::dev_idp::jwks_json(*key);
      if (!text)
        return report(text.error());
      std::cout << *text;
      return 0;
    }
    if (*thumbprint) {
      std::cout << key->thumbprint() << "\n";
      return 0;
    }
    auth::dev_idp::TokenRequest request{.issuer = options->issuer,
                                        .audience = options->audience,
                                        .asns = {},
                                        .subject = options->subject,
                                        .email = std::nullopt,
                                        .perms = options->perms,
                                        .ttl_seconds = options->ttl,
                                        .dpop_jkt = std::nullopt};
    for (std::size_t i = 0; i < options->asns.size(); ++i) {
      auto asn = model::Asn::from_number(options->asns[i], "asn");
      if (!asn)
        return report(asn.error());
      request.asns.push_back(*asn);
    }
    if (!options->email.empty())
      request.email = options->email;
    if (!options->dpop_jkt.empty())
      request.dpop_jkt = options->dpop_jkt;
    util::SystemClock clock;
    util::SecureRandom random;
    auto jwt = auth::dev_idp::issue_token(*key, request, clock, random);
    if (!jwt)
      return report(jwt.error());
    std::cout << *jwt << "\n";
    return 0;
  };
}

}  // namespace peerapi::cli
