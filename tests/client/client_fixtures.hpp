// Test doubles and data for the client tests: a scripted random source, a sleeper that advances
// a ManualClock instead of sleeping, and a generated PeeringDB snapshot (documentation data).
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "client/retry.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::client::test {

/// Hands out the given 64-bit values for 8-byte draws, in order (then 0); other sizes get zeros.
class ScriptedRandom final : public util::RandomSource {
 public:
  explicit ScriptedRandom(std::vector<std::uint64_t> values = {})
      : values_(values.begin(), values.end()) {}
  void fill(std::uint8_t* out, std::size_t size) override {
    std::memset(out, 0, size);
    if (size != sizeof(std::uint64_t))
      return;
    std::uint64_t value = 0;
    if (!values_.empty()) {
      value = values_.front();
      values_.pop_front();
    }
    std::memcpy(out, &value, sizeof value);
  }

 private:
  std::deque<std::uint64_t> values_;
};

/// Records each requested sleep and advances the clock by it.
class ClockSleeper final : public Sleeper {
 public:
  explicit ClockSleeper(util::ManualClock& clock) : clock_(clock) {}
  void sleep_ms(std::int64_t ms) override {
    const std::lock_guard lock(mutex_);
    sleeps_.push_back(ms);
    clock_.advance_ms(ms);
  }
  std::vector<std::int64_t> sleeps() const {
    const std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  util::ManualClock& clock_;
  mutable std::mutex mutex_;
  std::vector<std::int64_t> sleeps_;
};

/// A PeeringDB snapshot where AS64500 (the server) and AS64501 (us) meet at `exchanges` IXs
/// (at most 16). IX n has the LANs 2001:db8:n::/64 and, when both sides' ports fit in 14 hosts,
/// 198.51.100.16*(n-1)/28; AS64500 has `server_ports` ports and AS64501 `client_ports` at each.
/// Host numbers: the server's ports 1..server_ports, ours after them.
inline void write_snapshot(const std::filesystem::path& dir, int exchanges, int server_ports,
                           int client_ports) {
  std::filesystem::create_directories(dir);
  auto doc = [&](const std::string& type, const std::string& rows) {
    testing::write_file(dir / (type + ".json"), "{\"meta\": {}, \"data\": [" + rows + "]}");
  };
  doc("org", R"({"id": 1, "name": "Test Org", "status": "ok"})");
  doc("net",
      R"({"id": 1, "org_id": 1, "asn": 64500, "name": "Server Net", "irr_as_set": "",
          "info_prefixes4": 10, "info_prefixes6": 10, "policy_general": "Open",
          "info_type": "NSP", "status": "ok"},
         {"id": 2, "org_id": 1, "asn": 64501, "name": "Client Net", "irr_as_set": "",
          "info_prefixes4": 10, "info_prefixes6": 10, "policy_general": "Open",
          "info_type": "NSP", "status": "ok"})");
  const bool v4 = server_ports + client_ports <= 14;
  std::string ix, ixlan, ixpfx, netixlan;
  int port_id = 0;
  for (int n = 1; n <= exchanges; ++n) {
    const std::string id = std::to_string(n);
    const std::string sep = n == 1 ? "" : ",";
    const int v4_base = 16 * (n - 1);
    ix += sep + R"({"id": )" + id + R"(, "org_id": 1, "name": "Test IX )" + id +
          R"(", "name_long": "", "city": "Example", "country": "DE", "status": "ok"})";
    ixlan += sep + R"({"id": )" + id + R"(, "ix_id": )" + id + R"(, "name": "", "status": "ok"})";
    ixpfx += sep + R"({"id": )" + std::to_string(2 * n) + R"(, "ixlan_id": )" + id +
             R"(, "protocol": "IPv6", "prefix": "2001:db8:)" + id + R"(::/64", "status": "ok"})";
    if (v4) {
      ixpfx += R"(, {"id": )" + std::to_string(2 * n - 1) + R"(, "ixlan_id": )" + id +
               R"(, "protocol": "IPv4", "prefix": "198.51.100.)" + std::to_string(v4_base) +
               R"(/28", "status": "ok"})";
    }
    for (int side = 0; side < 2; ++side) {
      const int ports = side == 0 ? server_ports : client_ports;
      for (int p = 0; p < ports; ++p) {
        const int host = (side == 0 ? 0 : server_ports) + p + 1;
        const std::string ipv4 =
            v4 ? "\"198.51.100." + std::to_string(v4_base + host) + "\"" : std::string("null");
        const std::string comma = port_id == 0 ? "" : ",";
        ++port_id;
        netixlan += comma + R"({"id": )" + std::to_string(port_id) + R"(, "net_id": )" +
                    std::to_string(side + 1) + R"(, "ix_id": )" + id + R"(, "ixlan_id": )" + id +
                    R"(, "asn": )" + (side == 0 ? "64500" : "64501") + R"(, "ipaddr4": )" + ipv4 +
                    R"(, "ipaddr6": "2001:db8:)" + id + "::" + std::to_string(host) +
                    R"(", "speed": 10000, "is_rs_peer": false, "operational": true,
                        "status": "ok"})";
      }
    }
  }
  doc("ix", ix);
  doc("ixlan", ixlan);
  doc("ixpfx", ixpfx);
  doc("netixlan", netixlan);
}

}  // namespace peerapi::client::test
