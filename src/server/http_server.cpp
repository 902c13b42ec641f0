#include "server/http_server.hpp"

#include <spdlog/spdlog.h>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <csignal>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "server/tls_context.hpp"

namespace peerapi::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

http::response<http::string_body> to_beast(HttpResponse&& response, unsigned version,
                                           bool keep_alive, bool head) {
  http::response<http::string_body> out{static_cast<http::status>(response.status), version};
  out.set(http::field::server, "peerapi");
  if (!response.content_type.empty())
    out.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers)
    out.insert(name, value);
  out.keep_alive(keep_alive);
  if (response.status == 204) {
    out.content_length(boost::none);
  } else if (head) {
    out.content_length(response.body.size());
  } else {
    out.body() = std::move(response.body);
    out.prepare_payload();
  }
  return out;
}

std::string error_json(std::string_view code, std::string_view message) {
  return std::string(R"({"errors":[{"name":"","code":")") + std::string(code) + R"(","errors":[")" +
         std::string(message) + R"("]}]})";
}

/// One open connection, for the drain: `stream` and `idle` are touched on the connection's
/// strand only.
struct Connection {
  asio::any_io_executor executor;
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for the first byte of a request (or in the TLS handshake)
};

}  // namespace

struct HttpServer::Impl {
  config::ServerSection config;
  Handler handler;

  // Declared before `io`: the coroutine frames that io's destructor destroys unregister here.
  std::atomic<int> connections{0};
  std::atomic<bool> draining{false};
  std::mutex registry_mutex;
  std::list<std::shared_ptr<Connection>> registry;
  std::unordered_map<std::string, int> per_address;

  mutable std::mutex tls_mutex;
  std::shared_ptr<TlsContext> tls;  // null: plain HTTP

  std::function<void()> on_reload;

  asio::io_context io;
  /// Runs the handler for requests that write (POST, DELETE, PUT, PATCH, and any request with a
  /// DPoP proof, whose jti is stored): the store blocks them until their commit group is
  /// durable, which must not stall reads on the I/O threads.
  asio::thread_pool writers;
  std::vector<tcp::acceptor> acceptors;  // each on a strand of its own
  std::unique_ptr<asio::signal_set> signals;
  int terminations = 0;  // SIGINT/SIGTERM received; touched by the signal handler only

  Impl(const config::ServerSection& c, Handler h)
      : config(c),
        handler(std::move(h)),
        io(c.threads > 0 ? c.threads : 2),
        writers(static_cast<std::size_t>(c.write_threads > 0 ? c.write_threads : 1)) {}

  std::shared_ptr<TlsContext> current_tls() const {
    std::lock_guard lock(tls_mutex);
    return tls;
  }

  /// Registers a connection from `address`, or returns null when a cap is reached.
  std::shared_ptr<Connection> admit(const std::string& address, asio::any_io_executor executor) {
    std::lock_guard lock(registry_mutex);
    if (connections.load() >= config.max_connections)
      return nullptr;
    int& count = per_address[address];
    if (config.max_connections_per_address > 0 && count >= config.max_connections_per_address) {
      if (count == 0)
        per_address.erase(address);
      return nullptr;
    }
    ++count;
    ++connections;
    auto connection = std::make_shared<Connection>();
    connection->executor = std::move(executor);
    registry.push_back(connection);
    return connection;
  }

  void release(const std::shared_ptr<Connection>& connection, const std::string& address) {
    std::lock_guard lock(registry_mutex);
    registry.remove(connection);
    if (auto it = per_address.find(address); it != per_address.end() && --it->second <= 0)
      per_address.erase(it);
    --connections;
  }

  static bool is_read(http::verb method) {
    return method == http::verb::get || method == http::verb::head || method == http::verb::options;
  }

  /// Runs the handler on the write pool and resumes on the connection's I/O thread.
  asio::awaitable<HttpResponse> handle_on_writers(const HttpRequest& request) {
    co_return co_await asio::co_spawn(
        writers.get_executor(),
        [this, &request]() -> asio::awaitable<HttpResponse> { co_return handler(request); },
        asio::use_awaitable);
  }

  /// Lingering close (RFC 9112 section 9.6): after answering early (413, 431...) the client may
  /// still be sending. Closing with unread data makes the kernel send a reset, which can
  /// destroy the answer before the client reads it. So read and discard what arrives, up to
  /// a bound in bytes and time, until the client closes its side.
  static asio::awaitable<void> drain_before_close(beast::tcp_stream& stream) {
    constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
    std::array<char, 16 * 1024> sink{};
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < kMaxDrainBytes) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (ec)
        break;
      drained += n;
    }
  }

  /// Ends the connection after the last answer: FIN (plain) or close_notify then FIN (TLS,
  /// RFC 8446 section 6.1), and with `linger` the lingering close above.
  static asio::awaitable<void> close_stream(beast::tcp_stream& stream, bool linger) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger)
      co_await drain_before_close(stream);
  }
  static asio::awaitable<void> close_stream(TlsStream& stream, bool linger) {
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(kTuple);
    co_await close_stream(lowest, linger);
  }

  template <class Stream>
  asio::awaitable<void> write_and_close(Stream& stream, int status, std::string_view code,
                                        std::string_view message) {
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::server, "peerapi");
    response.set(http::field::content_type, "application/json");
    response.keep_alive(false);
    response.body() = error_json(code, message);
    response.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [write_ec, written] = co_await http::async_write(stream, response, kTuple);
    if (!write_ec)
      co_await close_stream(stream, /*linger=*/true);
  }

  /// The TLS handshake within the header timeout; failures are the client's business and are
  /// logged at debug only.
  asio::awaitable<bool> handshake(TlsStream& stream, const std::string& remote) {
    beast::get_lowest_layer(stream).expires_after(
        std::chrono::milliseconds(config.header_timeout_ms));
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      spdlog::debug("TLS handshake with {} failed: {}", remote, ec.message());
      co_return false;
    }
    co_return true;
  }

  static bool bytes_waiting(beast::tcp_stream& stream) {
    beast::error_code ec;
    return stream.socket().available(ec) > 0 && !ec;
  }
  static bool bytes_waiting(TlsStream& stream) {
    return SSL_pending(stream.native_handle()) > 0 ||
           bytes_waiting(beast::get_lowest_layer(stream));
  }

  /// Waits for the first bytes of the next request. The connection counts as idle meanwhile: a
  /// drain cancels the wait. Returns false when the connection is to be closed quietly.
  template <class Stream>
  asio::awaitable<bool> await_request(Stream& stream, beast::flat_buffer& buffer,
                                      Connection& connection) {
    if (buffer.size() > 0)
      co_return true;  // a pipelined request is already buffered
    // Bytes already waiting are a request in progress, not an idle connection.
    connection.idle = true;
    if (draining.load() && !bytes_waiting(stream))
      co_return false;
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
    connection.idle = false;
    if (ec == asio::error::operation_aborted && draining.load()) {
      // The drain cancelled the wait, perhaps just as a request arrived.
      if (!bytes_waiting(stream))
        co_return false;
      std::tie(ec, n) = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
    }
    if (ec)
      co_return false;
    buffer.commit(n);
    co_return true;
  }

  template <class Stream>
  asio::awaitable<void> serve_requests(Stream& stream, const std::string& remote,
                                       Connection& connection) {
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      // The first request's header must arrive within the header timeout; later ones must
      // start within the idle timeout of the previous answer and then complete within the
      // header timeout.
      lowest.expires_after(
          std::chrono::milliseconds(first ? config.header_timeout_ms : config.idle_timeout_ms));
      if (!co_await await_request(stream, buffer, connection))
        co_return;
      if (!first)
        lowest.expires_after(std::chrono::milliseconds(config.header_timeout_ms));
      first = false;
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(config.max_body_bytes);
      auto [read_header_ec, n1] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      if (read_header_ec) {
        if (read_header_ec == http::error::header_limit) {
          co_await write_and_close(stream, 431, "header_too_large", "request headers too large");
        } else if (read_header_ec == http::error::body_limit) {
          // Beast checks a declared Content-Length against the limit with the header.
          co_await write_and_close(stream, 413, "body_too_large",
                                   "the body is larger than the limit of " +
                                       std::to_string(config.max_body_bytes) + " bytes");
        } else if (read_header_ec != http::error::end_of_stream &&
                   read_header_ec != beast::error::timeout &&
                   read_header_ec != asio::error::connection_reset &&
                   read_header_ec != asio::error::operation_aborted &&
                   read_header_ec != asio::ssl::error::stream_truncated) {
          co_await write_and_close(stream, 400, "malformed_request", "malformed HTTP request");
        }
        co_return;
      }
      if (auto length = parser.content_length(); length && *length > config.max_body_bytes) {
        co_await write_and_close(stream, 413, "body_too_large",
                                 "the body is larger than the limit of " +
                                     std::to_string(config.max_body_bytes) + " bytes");
        co_return;
      }
      lowest.expires_after(std::chrono::milliseconds(config.body_timeout_ms));
      auto [read_ec, n2] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (read_ec) {
        if (read_ec == http::error::body_limit) {
          co_await write_and_close(stream, 413, "body_too_large",
                                   "the body is larger than the limit of " +
                                       std::to_string(config.max_body_bytes) + " bytes");
        } else if (read_ec != beast::error::timeout && read_ec != http::error::end_of_stream &&
                   read_ec != http::error::partial_message &&
                   read_ec != asio::error::connection_reset &&
                   read_ec != asio::ssl::error::stream_truncated) {
          co_await write_and_close(stream, 400, "malformed_request", "malformed HTTP request");
        }
        co_return;
      }
      auto beast_request = parser.release();
      HttpRequest request;
      request.method = std::string(beast_request.method_string());
      request.target = std::string(beast_request.target());
      request.body = std::move(beast_request.body());
      request.fields.reserve(8);
      for (const auto& field : beast_request)
        request.fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
      request.remote_address = remote;
      const auto started = std::chrono::steady_clock::now();
      // (An if, not a conditional expression: g++ 12 miscompiles co_await inside ?: .)
      HttpResponse response;
      // Requests with a DPoP proof write too: their one-time values go to the replay cache.
      if (is_read(beast_request.method()) && beast_request.find("DPoP") == beast_request.end())
        response = handler(request);
      else
        response = co_await handle_on_writers(request);
      // During a drain every answer closes its connection (RFC 9112 section 9.6).
      const bool keep_alive = beast_request.keep_alive() && !draining.load();
      if (spdlog::should_log(spdlog::level::debug)) {
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
        spdlog::debug("{} {} {} -> {} ({} us)", remote, request.method, request.target,
                      response.status, micros);
      }
      auto out = to_beast(std::move(response), beast_request.version(), keep_alive,
                          beast_request.method() == http::verb::head);
      lowest.expires_after(std::chrono::milliseconds(config.body_timeout_ms));
      auto [write_ec, n3] = co_await http::async_write(stream, out, kTuple);
      if (write_ec)
        co_return;
      if (!keep_alive) {
        co_await close_stream(stream, /*linger=*/false);
        co_return;
      }
    }
  }

  /// One accepted connection, on its own strand.
  asio::awaitable<void> serve_connection(tcp::socket socket, std::string remote,
                                         std::shared_ptr<Connection> connection) {
    struct Release {
      Impl* impl;
      std::shared_ptr<Connection> connection;
      std::string remote;
      ~Release() { impl->release(connection, remote); }
    } release{this, connection, remote};
    beast::tcp_stream plain(std::move(socket));
    if (auto context = current_tls()) {
      // The connection keeps the context it started with, whatever a reload does meanwhile.
      TlsStream stream(std::move(plain), context->native());
      connection->stream = &beast::get_lowest_layer(stream);
      if (co_await handshake(stream, remote))
        co_await serve_requests(stream, remote, *connection);
      connection->stream = nullptr;
    } else {
      connection->stream = &plain;
      co_await serve_requests(plain, remote, *connection);
      connection->stream = nullptr;
    }
  }

  /// Over a cap: a short answer, then close, so clients back off instead of hanging.
  asio::awaitable<void> refuse(tcp::socket socket, std::string remote, std::string message) {
    beast::tcp_stream plain(std::move(socket));
    if (auto context = current_tls()) {
      TlsStream stream(std::move(plain), context->native());
      if (co_await handshake(stream, remote))
        co_await write_and_close(stream, 503, "unavailable", message);
    } else {
      co_await write_and_close(plain, 503, "unavailable", message);
    }
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open())
          co_return;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      std::string remote = socket.remote_endpoint(ec).address().to_string();
      auto executor = socket.get_executor();
      auto connection = admit(remote, executor);
      if (connection == nullptr) {
        const bool global = connections.load() >= config.max_connections;
        spdlog::debug("connection from {} refused: {} cap reached", remote,
                      global ? "server.max_connections" : "server.max_connections_per_address");
        asio::co_spawn(
            executor,
            refuse(std::move(socket), std::move(remote),
                   global ? "too many connections" : "too many connections from your address"),
            asio::detached);
        continue;
      }
      asio::co_spawn(executor,
                     serve_connection(std::move(socket), std::move(remote), std::move(connection)),
                     asio::detached);
    }
  }

  void close_acceptors() {
    for (auto& acceptor : acceptors) {
      asio::post(acceptor.get_executor(), [&acceptor] {
        beast::error_code ignored;
        acceptor.close(ignored);
      });
    }
  }

  void begin_drain() {
    if (draining.exchange(true))
      return;
    close_acceptors();
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard lock(registry_mutex);
      open.assign(registry.begin(), registry.end());
    }
    spdlog::info("draining: listeners closed, {} connection(s) open, waiting up to {} ms",
                 open.size(), config.drain_timeout_ms);
    for (auto& connection : open) {
      asio::post(connection->executor, [connection] {
        if (connection->stream != nullptr && connection->idle)
          connection->stream->cancel();
      });
    }
    asio::co_spawn(io, wait_drained(), asio::detached);
  }

  /// Stops the io_context once no connection is left, or at the drain timeout.
  asio::awaitable<void> wait_drained() {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config.drain_timeout_ms);
    asio::steady_timer timer(io);
    while (connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(kTuple);
    }
    if (const int left = connections.load(); left > 0)
      spdlog::warn("drain timeout ({} ms): {} connection(s) cut", config.drain_timeout_ms, left);
    io.stop();
  }

  void wait_for_signal() {
    signals->async_wait([this](const beast::error_code& ec, int signal) {
      if (ec)
        return;
      if (signal == SIGHUP) {
        if (on_reload)
          on_reload();
        else
          spdlog::info("received SIGHUP: nothing to reload");
      } else if (++terminations == 1) {
        spdlog::info("received signal {}, draining (a second one stops at once)", signal);
        begin_drain();
      } else {
        spdlog::info("received signal {} again, stopping now", signal);
        close_acceptors();
        io.stop();
      }
      wait_for_signal();
    });
  }
};

HttpServer::HttpServer(const config::ServerSection& config, Handler handler)
    : impl_(std::make_unique<Impl>(config, std::move(handler))) {}

HttpServer::~HttpServer() = default;

Result<std::vector<std::string>> HttpServer::bind() {
  if (impl_->config.tls) {
    auto context = TlsContext::create(*impl_->config.tls);
    if (!context)
      return std::unexpected(context.error());
    std::lock_guard lock(impl_->tls_mutex);
    impl_->tls = std::move(*context);
  }
  std::vector<std::string> bound;
  for (const auto& listen : impl_->config.listen) {
    beast::error_code ec;
    const std::string host = listen.host == "localhost" ? "127.0.0.1" : listen.host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec)
      return fail(ErrorCode::config_invalid, "server.listen", "bad address " + listen.to_string());
    tcp::endpoint endpoint(address, listen.port);
    tcp::acceptor acceptor(asio::make_strand(impl_->io));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && address.is_v6())
      acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec)
      acceptor.bind(endpoint, ec);
    if (!ec)
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail(ErrorCode::io_error, "server.listen",
                  "cannot listen on " + listen.to_string() + ": " + ec.message());
    }
    const auto local = acceptor.local_endpoint();
    bound.push_back(config::ListenAddress{local.address().to_string(), local.port()}.to_string());
    impl_->acceptors.push_back(std::move(acceptor));
  }
  return bound;
}

std::string HttpServer::scheme() const {
  return impl_->config.tls ? "https" : "http";
}

Result<void> HttpServer::reload_tls(const config::TlsSection& tls) {
  if (!impl_->config.tls) {
    return fail(ErrorCode::config_invalid, "server.tls",
                "the server was started without TLS; turning it on needs a restart");
  }
  auto context = TlsContext::create(tls);
  if (!context)
    return std::unexpected(context.error());
  std::lock_guard lock(impl_->tls_mutex);
  impl_->tls = std::move(*context);
  return {};
}

std::string HttpServer::certificate_sha256() const {
  auto context = impl_->current_tls();
  return context ? context->certificate_sha256() : std::string();
}

void HttpServer::set_reload_handler(std::function<void()> on_reload) {
  impl_->on_reload = std::move(on_reload);
}

void HttpServer::run(int threads, bool handle_signals) {
  for (auto& acceptor : impl_->acceptors) {
    asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(acceptor), asio::detached);
  }
  if (handle_signals) {
    impl_->signals = std::make_unique<asio::signal_set>(impl_->io, SIGINT, SIGTERM, SIGHUP);
    impl_->wait_for_signal();
  }
  std::vector<std::jthread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  pool.clear();
  impl_->writers.join();
}

void HttpServer::stop() {
  asio::post(impl_->io, [this] {
    impl_->close_acceptors();
    impl_->io.stop();
  });
}

void HttpServer::drain() {
  asio::post(impl_->io, [this] { impl_->begin_drain(); });
}

}  // namespace peerapi::server
