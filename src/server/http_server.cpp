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
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

namespace peerapi::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
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

}  // namespace

struct HttpServer::Impl {
  config::ServerSection config;
  Handler handler;
  asio::io_context io;
  /// Runs the handler for requests that write (POST, DELETE, PUT, PATCH, and any request with a
  /// DPoP proof, whose jti is stored): the store blocks them until their commit group is
  /// durable, which must not stall reads on the I/O threads.
  asio::thread_pool writers;
  std::vector<tcp::acceptor> acceptors;
  std::atomic<int> connections{0};

  Impl(const config::ServerSection& c, Handler h)
      : config(c),
        handler(std::move(h)),
        io(c.threads > 0 ? c.threads : 2),
        writers(static_cast<std::size_t>(c.write_threads > 0 ? c.write_threads : 1)) {}

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

  asio::awaitable<void> write_and_close(beast::tcp_stream& stream, int status,
                                        std::string_view code, std::string_view message) {
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::server, "peerapi");
    response.set(http::field::content_type, "application/json");
    response.keep_alive(false);
    response.body() = error_json(code, message);
    response.prepare_payload();
    stream.expires_after(std::chrono::seconds(5));
    auto [write_ec, written] = co_await http::async_write(stream, response, kTuple);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!write_ec)
      co_await drain_before_close(stream);
  }

  /// Lingering close (RFC 9112 section 9.6): after answering early (413, 431...) the client may
  /// still be sending. Closing with unread data makes the kernel send a reset, which can
  /// destroy the answer before the client reads it. So read and discard what arrives, up to
  /// a bound in bytes and time, until the client closes its side.
  asio::awaitable<void> drain_before_close(beast::tcp_stream& stream) {
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

  asio::awaitable<void> serve_connection(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::error_code ec;
    const std::string remote = stream.socket().remote_endpoint(ec).address().to_string();
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(config.max_body_bytes);
      // The first request's header must arrive within the header timeout; later ones within
      // the idle timeout of the previous answer.
      stream.expires_after(
          std::chrono::milliseconds(first ? config.header_timeout_ms : config.idle_timeout_ms));
      first = false;
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
                   read_header_ec != asio::error::operation_aborted) {
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
      stream.expires_after(std::chrono::milliseconds(config.body_timeout_ms));
      auto [read_ec, n2] = co_await http::async_read(stream, buffer, parser, kTuple);
      if (read_ec) {
        if (read_ec == http::error::body_limit) {
          co_await write_and_close(stream, 413, "body_too_large",
                                   "the body is larger than the limit of " +
                                       std::to_string(config.max_body_bytes) + " bytes");
        } else if (read_ec != beast::error::timeout && read_ec != http::error::end_of_stream &&
                   read_ec != http::error::partial_message) {
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
      const bool keep_alive = beast_request.keep_alive();
      if (spdlog::should_log(spdlog::level::debug)) {
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
        spdlog::debug("{} {} {} -> {} ({} us)", remote, request.method, request.target,
                      response.status, micros);
      }
      auto out = to_beast(std::move(response), beast_request.version(), keep_alive,
                          beast_request.method() == http::verb::head);
      stream.expires_after(std::chrono::milliseconds(config.body_timeout_ms));
      auto [write_ec, n3] = co_await http::async_write(stream, out, kTuple);
      if (write_ec || !keep_alive) {
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        co_return;
      }
    }
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open())
          co_return;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (connections.load() >= config.max_connections) {
        // Over the cap: a short answer, then close, so clients back off instead of hanging.
        asio::co_spawn(
            acceptor.get_executor(),
            [this, s = std::move(socket)]() mutable -> asio::awaitable<void> {
              beast::tcp_stream stream(std::move(s));
              co_await write_and_close(stream, 503, "unavailable", "too many connections");
            },
            asio::detached);
        continue;
      }
      ++connections;
      asio::co_spawn(
          io,
          [this, s = std::move(socket)]() mutable -> asio::awaitable<void> {
            co_await serve_connection(std::move(s));
            --connections;
          },
          asio::detached);
    }
  }
};

HttpServer::HttpServer(const config::ServerSection& config, Handler handler)
    : impl_(std::make_unique<Impl>(config, std::move(handler))) {}

HttpServer::~HttpServer() = default;

Result<std::vector<std::string>> HttpServer::bind() {
  std::vector<std::string> bound;
  for (const auto& listen : impl_->config.listen) {
    beast::error_code ec;
    const std::string host = listen.host == "localhost" ? "127.0.0.1" : listen.host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec)
      return fail(ErrorCode::config_invalid, "server.listen", "bad address " + listen.to_string());
    tcp::endpoint endpoint(address, listen.port);
    tcp::acceptor acceptor(impl_->io);
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

void HttpServer::run(int threads, bool handle_signals) {
  for (auto& acceptor : impl_->acceptors) {
    asio::co_spawn(impl_->io, impl_->accept_loop(acceptor), asio::detached);
  }
  std::unique_ptr<asio::signal_set> signals;
  if (handle_signals) {
    signals = std::make_unique<asio::signal_set>(impl_->io, SIGINT, SIGTERM);
    signals->async_wait([this](const beast::error_code& ec, int signal) {
      if (ec)
        return;
      spdlog::info("received signal {}, shutting down", signal);
      stop();
    });
  }
  std::vector<std::jthread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  impl_->writers.join();
}

void HttpServer::stop() {
  asio::post(impl_->io, [this] {
    for (auto& acceptor : impl_->acceptors) {
      beast::error_code ignored;
      acceptor.close(ignored);
    }
    impl_->io.stop();
  });
}

}  // namespace peerapi::server
