// Access to the RFC 9421 vectors in ../shared/testvectors/rfc9421 (see its README.md): messages
// as HttpMessageView, keys as jose::Jwk.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "auth/httpsig/message_signature.hpp"
#include "auth/httpsig/signature_base.hpp"
#include "auth/jose/jwk.hpp"
#include "support/test_support.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::httpsig::testing {

/// The exact bytes of testvectors/rfc9421/<relative>.
inline std::string rfc9421_file(std::string_view relative) {
  return peerapi::testing::read_file(std::string(PEERAPI_SHARED_DIR) + "/testvectors/rfc9421/" +
                                     std::string(relative));
}

/// A one-line header value file without its final newline.
inline std::string rfc9421_line(std::string_view relative) {
  std::string text = rfc9421_file(relative);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

/// Parses an LF-separated .http file of the vectors: a request line ("POST /foo HTTP/1.1") or a
/// status line ("HTTP/1.1 200 OK"), field lines, an empty line, the body. Requests get scheme
/// "https" and the Host field as authority.
inline HttpMessageView parse_http(std::string_view text) {
  HttpMessageView message;
  const std::size_t first_end = text.find('\n');
  const std::string_view first = text.substr(0, first_end);
  if (first.starts_with("HTTP/")) {
    message.status = std::stoi(std::string(first.substr(first.find(' ') + 1, 3)));
  } else {
    const std::size_t sp1 = first.find(' ');
    const std::size_t sp2 = first.find(' ', sp1 + 1);
    message.method = std::string(first.substr(0, sp1));
    message.target = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
    message.scheme = "https";
  }
  std::size_t pos = first_end + 1;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (line.empty())
      break;
    const std::size_t colon = line.find(':');
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    message.fields.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  message.body = std::string(text.substr(pos));
  // messages/4.3-proxy-signed-request.http has a second empty line before its 18-byte body
  // (Content-Length: 18): the body is what Content-Length says.
  for (const auto& [name, value] : message.fields) {
    if (name == "Content-Length") {
      const std::size_t length = std::stoul(value);
      while (message.body.size() > length && message.body.front() == '\n')
        message.body.erase(0, 1);
    }
  }
  if (!message.is_response()) {
    for (const auto& [name, value] : message.fields) {
      if (name == "Host")
        message.authority = value;
    }
  }
  return message;
}

inline HttpMessageView vector_message(std::string_view name) {
  return parse_http(rfc9421_file("messages/" + std::string(name)));
}

inline jose::Jwk jwk_key(std::string_view name) {
  auto key = jose::Jwk::parse(rfc9421_file("keys/" + std::string(name) + ".jwk.json"),
                              jose::PrivateMembers::allow);
  EXPECT_TRUE(key) << name << ": " << (key ? "" : key.error().message);
  return *key;
}

inline jose::Jwk shared_secret() {
  auto secret = util::base64_decode(rfc9421_line("keys/test-shared-secret.b64"));
  EXPECT_TRUE(secret);
  auto key = jose::Jwk::from_secret(*secret);
  EXPECT_TRUE(key);
  return *key;
}

/// The private key of a vector keyid and its algorithm.
inline ResolvedKey vector_key(std::string_view keyid) {
  if (keyid == "test-shared-secret")
    return {shared_secret(), Algorithm::hmac_sha256};
  if (keyid == "test-key-rsa-pss")
    return {jwk_key(keyid), Algorithm::rsa_pss_sha512};
  if (keyid == "test-key-rsa")
    return {jwk_key(keyid), Algorithm::rsa_v1_5_sha256};
  if (keyid == "test-key-ecc-p256")
    return {jwk_key(keyid), Algorithm::ecdsa_p256_sha256};
  return {jwk_key(keyid), Algorithm::ed25519};
}

}  // namespace peerapi::auth::httpsig::testing
