#include "integration/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <regex>
#include <thread>

#include "integration/http_result.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpResult http_call(int port, const std::string& method, const std::string& target,
                     const std::string& body, const std::string& authorization,
                     const std::string& content_type) {
  HttpResult result;
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(port)));
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!authorization.empty())
      request.set(http::field::authorization, authorization);
    if (!body.empty()) {
      request.set(http::field::content_type, content_type);
      request.body() = body;
    }
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser);
    result = to_http_result(parser.release());
  } catch (const std::exception&) {
    result.status = 0;
  }
  return result;
}

std::string process_config(const std::filesystem::path& dir, const std::string& extra_server,
                           const std::string& extra_tables) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\nthreads = 2\n" + extra_server +
         "\n[network]\nasns = [64500]\ncontact_email = \"peering@example.net\"\n"
         "[store]\nsqlite = \"" +
         (dir / "peerapi.db").string() +
         "\"\n"
         "[peeringdb]\nsnapshot_dir = \"" +
         (source_dir() / "examples/peeringdb").string() +
         "\"\n"
         "[[auth.static_tokens]]\ntoken = \"dev-token-64501\"\nasns = [64501]\n"
         "subject = \"noc@as64501.example\"\n"
         "[[auth.static_tokens]]\ntoken = \"dev-token-64502\"\nasns = [64502]\n"
         "subject = \"noc@as64502.example\"\n" +
         extra_tables;
}

ServerProcess::ServerProcess(const std::filesystem::path& dir, const std::string& config_text) {
  const auto config_file = dir / "peerapi.toml";
  write_file(config_file, config_text);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0)
    return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    const std::string config_arg = config_file.string();
    execl(PEERAPI_BINARY, PEERAPI_BINARY, "serve", "--config", config_arg.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  stderr_fd_ = pipe_fds[0];
  fcntl(stderr_fd_, F_SETFL, fcntl(stderr_fd_, F_GETFL) | O_NONBLOCK);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0)
    kill_hard();
  if (stderr_fd_ >= 0)
    close(stderr_fd_);
}

void ServerProcess::drain_log(std::chrono::milliseconds wait) {
  if (stderr_fd_ < 0)
    return;
  pollfd fd{stderr_fd_, POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(wait.count())) <= 0)
    return;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(stderr_fd_, buffer, sizeof buffer);
    if (n <= 0)
      break;
    log_.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string ServerProcess::log() {
  drain_log(std::chrono::milliseconds(0));
  return log_;
}

bool ServerProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  static const std::regex kListening(R"(listening on (https?)://127\.0\.0\.1:(\d+))");
  bool tls = false;
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    drain_log(std::chrono::milliseconds(50));
    std::smatch match;
    if (std::regex_search(log_, match, kListening)) {
      tls = match[1] == "https";
      port_ = std::stoi(match[2]);
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
  }
  while (port_ != 0 && std::chrono::steady_clock::now() < deadline) {
    if (tls) {
      asio::io_context io;
      asio::ip::tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)}, ec);
      if (!ec)
        return true;
    } else if (http_call(port_, "GET", "/readyz", "", "").status == 200) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

int ServerProcess::stop() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_hard();
  return -1;
}

}  // namespace peerapi::testing
