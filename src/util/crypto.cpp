#include "util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace peerapi::util {

namespace {

/// An explicitly fetched digest, kept for the process: the legacy EVP_sha256() handle makes
/// OpenSSL 3 fetch the implementation again (a locked provider lookup) on every digest.
const EVP_MD* fetched_digest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr)
    std::abort();  // the default provider always has SHA-2; without it nothing here can work
  return md;
}

std::string digest(std::string_view data, const EVP_MD* md, std::size_t bytes) {
  std::string out(bytes, '\0');
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &size, md,
             nullptr);
  return out;
}

const EVP_MD* sha256_md() {
  static const EVP_MD* const kSha256 = fetched_digest("SHA256");
  return kSha256;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

/// One of this thread's two digest contexts, kept for the thread's life: re-initialising a
/// context for the same digest reuses its provider state, where EVP_Digest allocates and frees
/// one per call.
EVP_MD_CTX* thread_context(std::size_t index) {
  thread_local std::array<MdCtxPtr, 2> contexts;
  MdCtxPtr& context = contexts[index];
  if (!context) {
    context.reset(EVP_MD_CTX_new());
    if (!context)
      std::abort();  // out of memory
  }
  return context.get();
}

/// SHA-256 cannot fail once the digest is fetched and the context exists; a failure here is a
/// broken OpenSSL installation, not an input problem.
void check(int openssl_result) {
  if (openssl_result != 1)
    std::abort();
}

}  // namespace

std::string sha256(std::string_view data) {
  static const EVP_MD* const kSha256 = fetched_digest("SHA256");
  return digest(data, kSha256, 32);
}

Sha256Digest sha256_digest(std::string_view data) {
  Sha256Digest out{};
  EVP_MD_CTX* context = thread_context(0);
  check(EVP_DigestInit_ex2(context, sha256_md(), nullptr));
  check(EVP_DigestUpdate(context, data.data(), data.size()));
  check(EVP_DigestFinal_ex(context, out.data(), nullptr));
  return out;
}

std::pair<Sha256Digest, Sha256Digest> sha256_prefix_and_whole(std::string_view data,
                                                              std::size_t prefix_size) {
  const std::string_view prefix = data.substr(0, prefix_size);
  const std::string_view rest = data.substr(prefix.size());
  std::pair<Sha256Digest, Sha256Digest> out{};
  EVP_MD_CTX* prefix_context = thread_context(0);
  EVP_MD_CTX* whole_context = thread_context(1);
  check(EVP_DigestInit_ex2(prefix_context, sha256_md(), nullptr));
  check(EVP_DigestUpdate(prefix_context, prefix.data(), prefix.size()));
  check(EVP_MD_CTX_copy_ex(whole_context, prefix_context));
  check(EVP_DigestFinal_ex(prefix_context, out.first.data(), nullptr));
  check(EVP_DigestUpdate(whole_context, rest.data(), rest.size()));
  check(EVP_DigestFinal_ex(whole_context, out.second.data(), nullptr));
  return out;
}

std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int size = 32;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       reinterpret_cast<unsigned char*>(out.data()), &size);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16) |
                   (static_cast<unsigned char>(data[i + 1]) << 8) |
                   static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const auto n = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16) |
                   (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

namespace {

// Decodes four characters per step through a table: JWS verification decodes three parts per
// token, and a byte-at-a-time decoder cost about a tenth of an RSA-2048 check.
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecode = make_decode_table();

std::uint32_t sextet(char c) {
  return kDecode[static_cast<unsigned char>(c)];
}

/// The decoded size of unpadded base64url text; nullopt for a length no encoding has.
std::optional<std::size_t> base64url_decoded_size(std::size_t text_size) {
  const std::size_t remainder = text_size % 4;
  if (remainder == 1)
    return std::nullopt;
  return text_size / 4 * 3 + (remainder == 0 ? 0 : remainder - 1);
}

/// Decodes `text` into exactly base64url_decoded_size(text.size()) octets at `write`.
bool decode_base64url(std::string_view text, unsigned char* write) {
  const std::size_t remainder = text.size() % 4;
  const std::size_t full_quads = text.size() / 4;
  const char* read = text.data();
  for (std::size_t quad = 0; quad < full_quads; ++quad, read += 4) {
    const std::uint32_t a = sextet(read[0]);
    const std::uint32_t b = sextet(read[1]);
    const std::uint32_t c = sextet(read[2]);
    const std::uint32_t d = sextet(read[3]);
    if (((a | b | c | d) & 0x80) != 0)
      return false;
    const std::uint32_t bits = (a << 18) | (b << 12) | (c << 6) | d;
    *write++ = static_cast<unsigned char>(bits >> 16);
    *write++ = static_cast<unsigned char>(bits >> 8);
    *write++ = static_cast<unsigned char>(bits);
  }
  if (remainder == 2) {
    const std::uint32_t a = sextet(read[0]);
    const std::uint32_t b = sextet(read[1]);
    // 12 bits carry one octet; the low 4 bits must be zero (canonical encoding).
    if (((a | b) & 0x80) != 0 || (b & 0x0f) != 0)
      return false;
    *write = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (remainder == 3) {
    const std::uint32_t a = sextet(read[0]);
    const std::uint32_t b = sextet(read[1]);
    const std::uint32_t c = sextet(read[2]);
    // 18 bits carry two octets; the low 2 bits must be zero.
    if (((a | b | c) & 0x80) != 0 || (c & 0x03) != 0)
      return false;
    const std::uint32_t bits = (a << 12) | (b << 6) | c;
    *write++ = static_cast<unsigned char>(bits >> 10);
    *write = static_cast<unsigned char>(bits >> 2);
  }
  return true;
}

}  // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  const auto size = base64url_decoded_size(text.size());
  if (!size)
    return std::nullopt;
  std::string out(*size, '\0');
  if (!decode_base64url(text, reinterpret_cast<unsigned char*>(out.data())))
    return std::nullopt;
  return out;
}

std::optional<std::size_t> base64url_decode_into(std::string_view text, unsigned char* out,
                                                 std::size_t out_size) {
  const auto size = base64url_decoded_size(text.size());
  if (!size || *size > out_size || !decode_base64url(text, out))
    return std::nullopt;
  return *size;
}

std::string hex_encode(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string sha512(std::string_view data) {
  static const EVP_MD* const kSha512 = fetched_digest("SHA512");
  return digest(data, kSha512, 64);
}

namespace {

constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::uint8_t, 256> make_standard_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kStandardAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kStandardDecode = make_standard_decode_table();

std::uint32_t standard_sextet(char c) {
  return kStandardDecode[static_cast<unsigned char>(c)];
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(data[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(data[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(data[i + 2])};
    out += kStandardAlphabet[(n >> 18) & 63];
    out += kStandardAlphabet[(n >> 12) & 63];
    out += kStandardAlphabet[(n >> 6) & 63];
    out += kStandardAlphabet[n & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t n = std::uint32_t{static_cast<unsigned char>(data[i])} << 16;
    out += kStandardAlphabet[(n >> 18) & 63];
    out += kStandardAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(data[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(data[i + 1])} << 8);
    out += kStandardAlphabet[(n >> 18) & 63];
    out += kStandardAlphabet[(n >> 12) & 63];
    out += kStandardAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t quads = text.size() / 4;
  std::string out(quads * 3 - padding, '\0');
  auto* write = reinterpret_cast<unsigned char*>(out.data());
  const char* read = text.data();
  const std::size_t full_quads = padding == 0 ? quads : quads - 1;
  for (std::size_t quad = 0; quad < full_quads; ++quad, read += 4) {
    const std::uint32_t a = standard_sextet(read[0]);
    const std::uint32_t b = standard_sextet(read[1]);
    const std::uint32_t c = standard_sextet(read[2]);
    const std::uint32_t d = standard_sextet(read[3]);
    if (((a | b | c | d) & 0x80) != 0)
      return std::nullopt;
    const std::uint32_t bits = (a << 18) | (b << 12) | (c << 6) | d;
    *write++ = static_cast<unsigned char>(bits >> 16);
    *write++ = static_cast<unsigned char>(bits >> 8);
    *write++ = static_cast<unsigned char>(bits);
  }
  if (padding == 2) {
    const std::uint32_t a = standard_sextet(read[0]);
    const std::uint32_t b = standard_sextet(read[1]);
    // "xx==" carries one octet; the low 4 bits of the second sextet must be zero.
    if (((a | b) & 0x80) != 0 || (b & 0x0f) != 0)
      return std::nullopt;
    *write = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (padding == 1) {
    const std::uint32_t a = standard_sextet(read[0]);
    const std::uint32_t b = standard_sextet(read[1]);
    const std::uint32_t c = standard_sextet(read[2]);
    // "xxx=" carries two octets; the low 2 bits of the third sextet must be zero.
    if (((a | b | c) & 0x80) != 0 || (c & 0x03) != 0)
      return std::nullopt;
    const std::uint32_t bits = (a << 12) | (b << 6) | c;
    *write++ = static_cast<unsigned char>(bits >> 10);
    *write = static_cast<unsigned char>(bits >> 2);
  }
  return out;
}

}  // namespace peerapi::util
