// An HTTP/1.1 server double for tests: listens on 127.0.0.1, port 0, serves canned responses
// per path, counts hits, records requests, can delay a response and change responses while it
// runs. Header-only (every test binary may include it); Boost.Beast, synchronous, one thread per
// connection, one request per connection ("Connection: close").
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace peerapi::testing {

struct CannedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Waited before the response is written (the double's destructor cuts it short).
  std::chrono::milliseconds delay{0};
  /// Send the body with chunked transfer coding instead of Content-Length.
  bool chunked = false;
};

/// A JSON response with the given status.
inline CannedResponse json_response(std::string body, int status = 200,
                                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return CannedResponse{status, std::move(headers), std::move(body), {}, false};
}

/// A redirect to `location`.
inline CannedResponse redirect_response(std::string location, int status = 302) {
  return CannedResponse{status, {{"Location", std::move(location)}}, "", {}, false};
}

struct RecordedRequest {
  std::string method;
  std::string target;                                        // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;

  /// The first value of header `name` (lowercase); nullopt when absent.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name)
        return value;
    }
    return std::nullopt;
  }
};

class HttpDouble {
 public:
  using Handler = std::function<CannedResponse(const RecordedRequest&)>;

  HttpDouble() : acceptor_(io_) {
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the test binary
    namespace ip = boost::asio::ip;
    const ip::tcp::endpoint endpoint(ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~HttpDouble() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    try {  // unblock accept() with one connection of our own
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket poke(io);
      poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    } catch (...) {
    }
    accept_thread_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      for (const auto& socket : sockets_)
        ::shutdown(socket->native_handle(), SHUT_RDWR);
      workers.swap(workers_);
    }
    for (auto& worker : workers)
      worker.join();
  }

  HttpDouble(const HttpDouble&) = delete;
  HttpDouble& operator=(const HttpDouble&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// "http://127.0.0.1:<port>"
  [[nodiscard]] std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// origin() + path
  [[nodiscard]] std::string url(std::string_view path) const {
    return origin() + std::string(path);
  }

  /// Serves `response` for `path` (matched on the path without the query; an exact match of the
  /// full target wins). Replaces any earlier response or handler for it.
  void set(const std::string& path, CannedResponse response) {
    set_handler(path,
                [response = std::move(response)](const RecordedRequest&) { return response; });
  }
  void set_handler(const std::string& path, Handler handler) {
    std::lock_guard lock(mutex_);
    handlers_[path] = std::move(handler);
  }

  /// Requests received for `path` (without query) so far.
  [[nodiscard]] int hits(std::string_view path) const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(
        std::count_if(requests_.begin(), requests_.end(),
                      [&](const RecordedRequest& r) { return path_of(r.target) == path; }));
  }
  /// TCP connections accepted so far (the destructor's own excluded).
  [[nodiscard]] int connections() const { return connections_.load(); }
  [[nodiscard]] std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  [[nodiscard]] std::optional<RecordedRequest> last_request(std::string_view path) const {
    std::lock_guard lock(mutex_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
      if (path_of(it->target) == path)
        return *it;
    }
    return std::nullopt;
  }

 private:
  static std::string_view path_of(std::string_view target) {
    return target.substr(0, std::min(target.find('?'), target.size()));
  }

  void accept_loop() {
    for (;;) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      std::lock_guard lock(mutex_);
      if (stopping_)
        return;
      if (ec)
        continue;
      ++connections_;
      sockets_.push_back(socket);
      workers_.emplace_back([this, socket] { serve(*socket); });
    }
  }

  void serve(boost::asio::ip::tcp::socket& socket) {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    http::read(socket, buffer, parser, ec);
    if (ec) {
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      return;
    }
    const auto& request = parser.get();
    RecordedRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    recorded.body = request.body();
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      recorded.headers.emplace_back(std::move(name), std::string(field.value()));
    }

    Handler handler;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(recorded);
      auto it = handlers_.find(recorded.target);
      if (it == handlers_.end())
        it = handlers_.find(std::string(path_of(recorded.target)));
      if (it != handlers_.end())
        handler = it->second;
    }
    CannedResponse canned =
        handler ? handler(recorded) : CannedResponse{404, {}, "no canned response", {}, false};
    if (canned.delay.count() > 0) {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, canned.delay, [this] { return stopping_; }))
        return;
    }

    http::response<http::string_body> response;
    response.version(11);
    response.result(static_cast<unsigned>(canned.status));
    for (const auto& [name, value] : canned.headers)
      response.insert(name, value);
    response.body() = std::move(canned.body);
    if (canned.chunked)
      response.chunked(true);
    else
      response.prepare_payload();
    response.keep_alive(false);
    http::write(socket, response, ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;
  std::atomic<int> connections_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::vector<RecordedRequest> requests_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> workers_;
};

}  // namespace peerapi::testing
