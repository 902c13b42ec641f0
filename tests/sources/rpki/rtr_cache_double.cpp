#include "sources/rpki/rtr_cache_double.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace peerapi::sources::rpki::testing {

namespace {

void write_all(int fd, std::span<const std::uint8_t> bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return;  // the client went away; the test's assertions say what that means
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

void CacheDouble::Connection::send(const rtr::Pdu& pdu) {
  send_raw(rtr::encode(pdu));
}

void CacheDouble::Connection::send_raw(std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(*write_mutex_);
  write_all(fd_, bytes);
}

CacheDouble::CacheDouble(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    throw std::runtime_error(std::string("cache double: ") + std::strerror(errno));
  }
  socklen_t size = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

CacheDouble::~CacheDouble() {
  stopping_ = true;
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

bool CacheDouble::push(const rtr::Pdu& pdu) {
  std::lock_guard lock(write_mutex_);
  if (current_fd_ < 0)
    return false;
  write_all(current_fd_, rtr::encode(pdu));
  return true;
}

std::vector<CacheDouble::Received> CacheDouble::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool CacheDouble::wait_received(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
}

void CacheDouble::run() {
  while (!stopping_) {
    std::array<pollfd, 2> fds{pollfd{listen_fd_, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), 100) <= 0 || fds[0].revents == 0)
      continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    serve(fd, ++connections_);
  }
}

void CacheDouble::serve(int fd, int number) {
  {
    std::lock_guard lock(write_mutex_);
    current_fd_ = fd;
  }
  Connection connection;
  connection.fd_ = fd;
  connection.number_ = number;
  connection.write_mutex_ = &write_mutex_;
  std::vector<std::uint8_t> buffer;
  std::array<std::uint8_t, 4096> chunk{};
  while (!stopping_ && !connection.closing_) {
    std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), 100) <= 0 || fds[0].revents == 0)
      continue;
    const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n <= 0)
      break;
    buffer.insert(buffer.end(), chunk.begin(), chunk.begin() + n);
    while (!connection.closing_) {
      const auto length = rtr::frame(buffer);
      if (!length || *length == 0 || *length > buffer.size())
        break;
      auto pdu = rtr::decode(std::span<const std::uint8_t>(buffer.data(), *length));
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*length));
      if (!pdu)
        continue;
      {
        std::lock_guard lock(mutex_);
        received_.push_back({number, *pdu});
      }
      changed_.notify_all();
      handler_(connection, *pdu);
    }
  }
  {
    std::lock_guard lock(write_mutex_);
    current_fd_ = -1;
  }
  ::close(fd);
}

}  // namespace peerapi::sources::rpki::testing
