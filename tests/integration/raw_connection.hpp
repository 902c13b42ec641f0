// A raw TCP connection to the server under test, for what an HTTP client library would not
// send: half-written headers, held-open sockets, garbage, connections from another loopback
// address. Every read is bounded by a 5 s receive timeout.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

namespace peerapi::testing {

class RawConnection {
 public:
  /// Connects to 127.0.0.1:port, from `local` (an address of 127/8) when given.
  explicit RawConnection(int port, const char* local = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (local != nullptr) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      inet_pton(AF_INET, local, &from.sin_addr);
      bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  bool send_text(const std::string& text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  /// Everything until the peer closes or 5 s pass.
  std::string read_all() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0)
        break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  /// One HTTP answer with a Content-Length body (or what arrived before EOF / 5 s).
  std::string read_answer() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const auto end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto length_at = out.find("Content-Length: ");
        if (length_at != std::string::npos && length_at < end) {
          const std::size_t length = std::stoul(out.substr(length_at + 16));
          if (out.size() >= end + 4 + length)
            return out;
        }
      }
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0)
        return out;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  /// True while the peer has neither closed nor reset the connection (nothing is consumed
  /// beyond what peeking shows).
  [[nodiscard]] bool still_open() const {
    char byte = 0;
    const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
  }
  /// True when the peer sent something or closed within `wait`: for a connection that only
  /// sent an unfinished header, that means the server refused it.
  [[nodiscard]] bool answered_within(std::chrono::milliseconds wait) const {
    pollfd readable{fd_, POLLIN, 0};
    return poll(&readable, 1, static_cast<int>(wait.count())) > 0;
  }
  /// Whether the server closes the connection (EOF or reset) within the 5 s read timeout.
  bool closed_by_server() {
    char byte;
    const ssize_t n = recv(fd_, &byte, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace peerapi::testing
