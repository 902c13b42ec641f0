// Doubles for tests of the outbound guard (net/outbound_guard.hpp) on real sockets: a listener
// that must see no connection, and a resolver whose answer changes (DNS rebinding).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/ip.hpp"
#include "net/outbound_guard.hpp"

namespace peerapi::testing {

/// A listening socket on 127.0.0.1 that never accepts; pending() tells whether anybody
/// connected (a completed connection waits in the accept queue).
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::listen(fd_, 16) == 0) {
      socklen_t size = sizeof address;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
      port_ = ntohs(address.sin_port);
    }
  }
  ~SilentListener() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Whether a connection is waiting to be accepted (it is accepted and closed).
  [[nodiscard]] bool pending() const {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      return false;
    ::close(fd);
    return true;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

/// Answers `first` on the first lookup and `later` on every later one (DNS rebinding).
class RebindingResolver final : public net::Resolver {
 public:
  RebindingResolver(std::string first, std::string later)
      : first_(std::move(first)), later_(std::move(later)) {}
  Result<std::vector<model::IpAddress>> resolve(const std::string& host) override {
    hosts_.push_back(host);
    return std::vector<model::IpAddress>{
        model::IpAddress::parse(hosts_.size() == 1 ? first_ : later_).value()};
  }
  /// Every host asked for, in order.
  [[nodiscard]] const std::vector<std::string>& hosts() const { return hosts_; }

 private:
  std::string first_;
  std::string later_;
  std::vector<std::string> hosts_;
};

}  // namespace peerapi::testing
