// A Resolver that answers from a table, so tests can make a name resolve anywhere without DNS.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "model/ip.hpp"
#include "net/outbound_guard.hpp"

namespace peerapi::net::test {

class FakeResolver final : public Resolver {
 public:
  void add(const std::string& host, const std::vector<std::string>& addresses) {
    std::vector<model::IpAddress> parsed;
    for (const auto& text : addresses)
      parsed.push_back(model::IpAddress::parse(text).value());
    std::lock_guard lock(mutex_);
    table_[host] = std::move(parsed);
  }
  Result<std::vector<model::IpAddress>> resolve(const std::string& host) override {
    ++calls_;
    std::lock_guard lock(mutex_);
    auto it = table_.find(host);
    if (it == table_.end())
      return fail(ErrorCode::io_error, "url", "cannot resolve host \"" + host + "\"");
    return it->second;
  }
  [[nodiscard]] int calls() const { return calls_.load(); }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<model::IpAddress>> table_;
  std::atomic<int> calls_{0};
};

}  // namespace peerapi::net::test
