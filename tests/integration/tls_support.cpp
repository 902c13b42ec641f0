#include "integration/tls_support.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/wait.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "integration/http_result.hpp"

namespace peerapi::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

CommandResult run_command(const std::string& command, int timeout_seconds) {
  CommandResult result;
  // The bound applies to the first program of `command`.
  const std::string bounded =
      "timeout " + std::to_string(timeout_seconds) + " " + command + " 2>&1";
  FILE* pipe = ::popen(bounded.c_str(), "r");
  if (pipe == nullptr)
    return result;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr)
    result.output += buffer.data();
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

namespace {

void must(const CommandResult& result, const std::string& what) {
  if (result.status != 0)
    throw std::runtime_error(what + " failed: " + result.output);
}

}  // namespace

CertFiles make_ca(const std::filesystem::path& dir, const std::string& name) {
  CertFiles out{dir / (name + ".pem"), dir / (name + ".key")};
  must(run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                   "-days 2 -subj /CN=" +
                   name + " -keyout " + out.key.string() + " -out " + out.cert.string()),
       "CA " + name);
  return out;
}

CertFiles make_leaf(const std::filesystem::path& dir, const std::string& name, const CertFiles& ca,
                    bool server) {
  CertFiles out{dir / (name + ".pem"), dir / (name + ".key")};
  const std::string extensions =
      server ? "-addext subjectAltName=IP:127.0.0.1 -addext extendedKeyUsage=serverAuth"
             : "-addext extendedKeyUsage=clientAuth";
  must(run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                   "-days 2 -subj /CN=" +
                   name + " " + extensions + " -CA " + ca.cert.string() + " -CAkey " +
                   ca.key.string() + " -keyout " + out.key.string() + " -out " + out.cert.string()),
       "certificate " + name);
  return out;
}

namespace {

std::string der_sha256(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), digest, &length) != 1)
    return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string cert_sha256(const std::filesystem::path& pem_file) {
  FILE* file = std::fopen(pem_file.c_str(), "r");
  if (file == nullptr)
    return {};
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  std::string out = der_sha256(cert);
  X509_free(cert);
  return out;
}

struct TlsClient::Impl {
  asio::io_context io;
  ssl::context context{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  bool connected = false;
  std::string peer;
};

TlsClient::TlsClient(int port, const TlsClientOptions& options) : impl_(std::make_unique<Impl>()) {
  try {
    if (!options.ca_file.empty()) {
      impl_->context.load_verify_file(options.ca_file.string());
      impl_->context.set_verify_mode(ssl::verify_peer);
    } else {
      impl_->context.set_verify_mode(ssl::verify_none);
    }
    if (!options.cert_file.empty()) {
      impl_->context.use_certificate_chain_file(options.cert_file.string());
      impl_->context.use_private_key_file(options.key_file.string(), ssl::context::pem);
    }
    impl_->stream =
        std::make_unique<beast::ssl_stream<beast::tcp_stream>>(impl_->io, impl_->context);
    auto& tcp = beast::get_lowest_layer(*impl_->stream);
    tcp.expires_after(std::chrono::seconds(10));
    tcp.socket().open(asio::ip::tcp::v4());
    if (!options.local_address.empty())
      tcp.socket().bind({asio::ip::make_address(options.local_address), 0});
    tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                        static_cast<unsigned short>(port)));
    impl_->stream->handshake(ssl::stream_base::client);
    impl_->peer = der_sha256(SSL_get0_peer_certificate(impl_->stream->native_handle()));
    impl_->connected = true;
  } catch (const std::exception&) {
    impl_->connected = false;
  }
}

TlsClient::~TlsClient() = default;

bool TlsClient::connected() const {
  return impl_->connected;
}

std::string TlsClient::peer_sha256() const {
  return impl_->peer;
}

HttpResult TlsClient::request(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& authorization) {
  HttpResult result;
  if (!impl_->connected)
    return result;
  try {
    beast::get_lowest_layer(*impl_->stream).expires_after(std::chrono::seconds(10));
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!authorization.empty())
      request.set(http::field::authorization, authorization);
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
    }
    request.keep_alive(true);
    request.prepare_payload();
    http::write(*impl_->stream, request);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(*impl_->stream, impl_->buffer, parser);
    result = to_http_result(parser.release());
  } catch (const std::exception&) {
    result.status = 0;
  }
  return result;
}

bool tls_ready(int port, const TlsClientOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    TlsClient client(port, options);
    if (client.request("GET", "/readyz", "", "").status == 200)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool wait_for_log(ServerProcess& server, const std::string& text,
                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.log().find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return server.log().find(text) != std::string::npos;
}

}  // namespace peerapi::testing
