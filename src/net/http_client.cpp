#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cctype>
#include <cstring>
#include <functional>
#include <mutex>

namespace peerapi::net {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::unexpected<Error> io_fail(const std::string& shown, const std::string& reason) {
  return fail(ErrorCode::io_error, "url", shown + ": " + reason);
}

// RFC 9110 section 5.6.2 tchar.
bool is_token(std::string_view text) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || kExtra.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// Header fields the client owns: letting a caller set them would desynchronise the message
// framing (RFC 9112 section 6) or the target.
bool is_reserved_header(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 6> kReserved{
      "host", "content-length", "transfer-encoding", "connection", "expect", "te"};
  return std::find(kReserved.begin(), kReserved.end(), lower_name) != kReserved.end();
}

// Credentials that must not follow a redirect to another origin (RFC 9110 section 15.4).
bool is_credential_header(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "cookie" ||
         lower_name == "proxy-authorization" || lower_name == "dpop";
}

Result<void> check_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    const std::string field = "headers[" + std::to_string(i) + "]";
    if (!is_token(name))
      return fail(ErrorCode::invalid_value, field, "header name is not an RFC 9110 token");
    if (is_reserved_header(lower(name)))
      return fail(ErrorCode::invalid_value, field,
                  "header \"" + name + "\" is set by the HTTP client");
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      return fail(ErrorCode::invalid_value, field,
                  "header \"" + name + "\" has a value with CR, LF or NUL");
  }
  return {};
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool same_origin(const CheckedTarget& a, const CheckedTarget& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

bool is_tls_failure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return true;
    default:
      return false;
  }
}

// State one transfer's callbacks share.
struct Transfer {
  std::size_t max_body = 0;
  std::size_t max_header = 0;
  const std::vector<model::IpAddress>* allowed = nullptr;
  const std::function<bool(const model::IpAddress&)>* connect_hook = nullptr;

  std::string body;
  bool body_too_large = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t header_bytes = 0;
  bool header_too_large = false;
  std::string refused_address;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  if (length > t->max_body - t->body.size()) {
    t->body_too_large = true;
    return 0;  // anything but `length` aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, length);
  return length;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  t->header_bytes += length;
  if (t->header_bytes > t->max_header) {
    t->header_too_large = true;
    return 0;
  }
  const std::string_view line(data, length);
  if (line.starts_with("HTTP/")) {
    t->headers.clear();  // a new response: an interim 1xx came before
    return length;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    if (!t->headers.empty()) {  // obs-fold (RFC 9112 section 5.2): one space instead
      t->headers.back().second.push_back(' ');
      t->headers.back().second.append(trim(line));
    }
    return length;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos)
    return length;
  t->headers.emplace_back(lower(trim(line.substr(0, colon))),
                          std::string(trim(line.substr(colon + 1))));
  return length;
}

std::optional<model::IpAddress> address_of(const curl_sockaddr* address) {
  if (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in sin{};
    std::memcpy(&sin, &address->addr, sizeof sin);
    return model::IpAddress::v4(ntohl(sin.sin_addr.s_addr));
  }
  if (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &address->addr, sizeof sin6);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text) == nullptr)
      return std::nullopt;
    if (auto parsed = model::IpAddress::parse(text))
      return *parsed;
  }
  return std::nullopt;
}

// The last line of defence: curl may open a socket only to an address the guard checked.
curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  const auto ip = address_of(address);
  if (purpose != CURLSOCKTYPE_IPCXN || !ip ||
      std::find(t->allowed->begin(), t->allowed->end(), *ip) == t->allowed->end() ||
      (*t->connect_hook && !(*t->connect_hook)(*ip))) {
    t->refused_address = ip ? ip->to_string() : "an unknown address";
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct HopResult {
  HttpResult result;
  std::int64_t elapsed_ms = 0;
};

// Options every hop sets. A failing curl_easy_setopt means an option this libcurl lacks: refuse
// rather than run without it.
class Setter {
 public:
  explicit Setter(CURL* handle) : handle_(handle) {}
  template <class T>
  Setter& operator()(CURLoption option, T value) {
    if (curl_easy_setopt(handle_, option, value) != CURLE_OK && failed_ == CURLOPT_LASTENTRY)
      failed_ = option;
    return *this;
  }
  [[nodiscard]] bool ok() const { return failed_ == CURLOPT_LASTENTRY; }
  [[nodiscard]] int failed_option() const { return static_cast<int>(failed_); }

 private:
  CURL* handle_;
  CURLoption failed_ = CURLOPT_LASTENTRY;
};

Result<HopResult> perform(const CheckedTarget& target, Method method,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body, std::size_t max_body, std::int64_t remaining_ms,
                          const HttpClientOptions& options) {
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  if (!handle)
    return io_fail(target.display, "cannot create a libcurl handle");

  Transfer transfer;
  transfer.max_body = max_body;
  transfer.max_header = options.max_header_bytes;
  transfer.allowed = &target.addresses;
  transfer.connect_hook = &options.connect_hook;

  std::unique_ptr<curl_slist, CurlDeleter> header_list;
  auto append = [&header_list](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next != nullptr) {
      (void)header_list.release();
      header_list.reset(next);
    }
    return next != nullptr;
  };
  for (const auto& [name, value] : headers) {
    if (!append(name + ": " + value))
      return io_fail(target.display, "out of memory building headers");
  }
  if (!append("Expect:"))  // no "100-continue" round trip for POST bodies
    return io_fail(target.display, "out of memory building headers");

  std::unique_ptr<curl_slist, CurlDeleter> resolve_list;
  if (!target.host_is_address) {
    std::string entry = target.host + ":" + std::to_string(target.port) + ":";
    for (std::size_t i = 0; i < target.addresses.size(); ++i) {
      const auto& address = target.addresses[i];
      if (i > 0)
        entry += ",";
      entry += address.is_v4() ? address.to_string() : "[" + address.to_string() + "]";
    }
    resolve_list.reset(curl_slist_append(nullptr, entry.c_str()));
    if (!resolve_list)
      return io_fail(target.display, "out of memory pinning the address");
  }

  const std::int64_t timeout_ms = std::max<std::int64_t>(remaining_ms, 1);
  const std::int64_t connect_ms =
      std::max<std::int64_t>(std::min(options.connect_timeout_ms, timeout_ms), 1);
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  CURL* h = handle.get();
  Setter set(h);
  set(CURLOPT_URL, target.url.c_str())(CURLOPT_PROTOCOLS_STR, "http,https")(
      CURLOPT_FOLLOWLOCATION, 0L)(CURLOPT_NOSIGNAL, 1L)(
      CURLOPT_PROXY, "")  // a proxy would resolve and connect on its own, past the pin
      (CURLOPT_OPENSOCKETFUNCTION, &on_open_socket)(
          CURLOPT_OPENSOCKETDATA, static_cast<void*>(&transfer))(CURLOPT_CONNECTTIMEOUT_MS,
                                                                 static_cast<long>(connect_ms))(
          CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms))(CURLOPT_SSL_VERIFYPEER, 1L)(
          CURLOPT_SSL_VERIFYHOST, 2L)(CURLOPT_SSLVERSION,
                                      static_cast<long>(CURL_SSLVERSION_TLSv1_2))(
          CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_body))(
          CURLOPT_WRITEFUNCTION, &on_body)(CURLOPT_WRITEDATA, static_cast<void*>(&transfer))(
          CURLOPT_HEADERFUNCTION, &on_header)(CURLOPT_HEADERDATA, static_cast<void*>(&transfer))(
          CURLOPT_HTTPHEADER, header_list.get())(CURLOPT_USERAGENT, options.user_agent.c_str())(
          CURLOPT_ERRORBUFFER, error_buffer.data());
  if (resolve_list)
    set(CURLOPT_RESOLVE, resolve_list.get());
  if (!options.ca_file.empty())
    set(CURLOPT_CAINFO, options.ca_file.c_str());
  if (method == Method::post) {
    set(CURLOPT_POST, 1L)(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()))(
        CURLOPT_COPYPOSTFIELDS, body.c_str());
  } else if (method == Method::del && !body.empty()) {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()))(
        CURLOPT_COPYPOSTFIELDS, body.c_str())(CURLOPT_CUSTOMREQUEST, "DELETE");
  } else if (method == Method::del) {
    set(CURLOPT_HTTPGET, 1L)(CURLOPT_CUSTOMREQUEST, "DELETE");
  } else {
    set(CURLOPT_HTTPGET, 1L);
  }
  if (!set.ok())
    return io_fail(target.display, "libcurl refused option " + std::to_string(set.failed_option()));

  const CURLcode code = curl_easy_perform(h);
  curl_off_t total_us = 0;
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us);

  if (!transfer.refused_address.empty())
    return io_fail(target.display,
                   "refused: connection to " + transfer.refused_address + " was not checked");
  if (transfer.body_too_large || code == CURLE_FILESIZE_EXCEEDED)
    return io_fail(target.display,
                   "response body larger than " + std::to_string(max_body) + " bytes");
  if (transfer.header_too_large)
    return io_fail(target.display, "response header larger than " +
                                       std::to_string(options.max_header_bytes) + " bytes");
  if (code == CURLE_OPERATION_TIMEDOUT)
    return io_fail(target.display, "timed out");
  if (code != CURLE_OK) {
    const std::string detail =
        error_buffer[0] != '\0' ? std::string(error_buffer.data()) : curl_easy_strerror(code);
    if (is_tls_failure(code))
      return io_fail(target.display, "TLS failure: " + detail);
    return io_fail(target.display, "transfer failed: " + detail);
  }

  HopResult out;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.result.status);
  out.result.url = target.url;
  out.result.headers = std::move(transfer.headers);
  out.result.body = std::move(transfer.body);
  out.elapsed_ms = static_cast<std::int64_t>(total_us / 1000);
  return out;
}

}  // namespace

std::optional<std::string_view> HttpResult::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted)
      return std::string_view(value);
  }
  return std::nullopt;
}

Result<HttpResult> require_success(HttpResult result) {
  if (result.ok())
    return result;
  return io_fail(display_url(result.url), "HTTP " + std::to_string(result.status));
}

CurlHttpClient::CurlHttpClient(HttpClientOptions options, std::shared_ptr<Resolver> resolver)
    : options_(std::move(options)), resolver_(std::move(resolver)) {
  if (!resolver_)
    resolver_ = std::make_shared<SystemResolver>();
  global_init();
}

Result<HttpResult> CurlHttpClient::fetch(const HttpRequest& request) {
  if (auto checked = check_headers(request.headers); !checked)
    return std::unexpected(checked.error());

  Method method = request.method;
  std::string body = method == Method::get ? std::string() : request.body;
  auto headers = request.headers;
  const std::size_t max_body =
      std::min(options_.max_response_bytes,
               request.max_response_bytes.value_or(options_.max_response_bytes));
  std::int64_t remaining_ms = options_.timeout_ms;

  auto target = check_target(request.url, options_.policy, *resolver_);
  if (!target)
    return std::unexpected(target.error());

  for (int hop = 0;; ++hop) {
    auto hop_result = perform(*target, method, headers, body, max_body, remaining_ms, options_);
    if (!hop_result)
      return std::unexpected(hop_result.error());
    HttpResult& result = hop_result->result;
    remaining_ms -= hop_result->elapsed_ms;

    if (!request.follow_redirects || !is_redirect(result.status))
      return std::move(result);
    const auto location = result.header("location");
    if (!location)
      return std::move(result);
    if (hop >= options_.max_redirects)
      return io_fail(target->display,
                     "more than " + std::to_string(options_.max_redirects) + " redirects");
    if (remaining_ms <= 0)
      return io_fail(target->display, "timed out");

    // RFC 9110 section 10.2.2: Location is a URI reference resolved against the request URL.
    auto reference = boost::urls::parse_uri_reference(*location);
    boost::urls::url next_url;
    if (!reference ||
        !boost::urls::resolve(boost::urls::url_view(target->url), *reference, next_url))
      return io_fail(target->display, "redirect with an invalid Location");
    next_url.remove_fragment();

    auto next = check_target(next_url.buffer(), options_.policy, *resolver_);
    if (!next)
      return io_fail(target->display, "redirect: " + next.error().message);
    if (auto allowed = check_redirect(*target, *next); !allowed)
      return std::unexpected(allowed.error());
    const bool cross_origin = !same_origin(*target, *next);

    // RFC 9110 sections 15.4.2-15.4.4: 301/302 after POST are followed with GET, as user agents
    // do, and 303 always with GET; 307/308 (and 301/302 after DELETE) repeat the method and body.
    if (method == Method::del && result.status == 303) {
      method = Method::get;
      body.clear();
    } else if (method == Method::del) {
      if (cross_origin && !body.empty())
        return io_fail(target->display,
                       "refused: redirect would resend the request body to another origin");
    } else if (method == Method::post) {
      if (result.status == 307 || result.status == 308) {
        if (cross_origin)
          return io_fail(target->display,
                         "refused: redirect would resend the request body to another origin");
      } else {
        method = Method::get;
        body.clear();
      }
    }
    if (cross_origin) {
      std::erase_if(headers,
                    [](const auto& header) { return is_credential_header(lower(header.first)); });
    }
    target = std::move(next);
  }
}

}  // namespace peerapi::net
