// RtrClient and fetch_once behind the outbound guard: a cache the guard refuses sees no
// connection (a real listening socket on 127.0.0.1 whose accept queue stays empty), the client
// connects only to the address it checked, and the caps on what a cache may send (PDU length,
// VRP count) end the transfer as corrupt data with an Error Report.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sources/rpki/rtr_cache_double.hpp"
#include "sources/rpki/rtr_client.hpp"
#include "support/outbound_doubles.hpp"

namespace peerapi::sources::rpki {
namespace {

using peerapi::testing::RebindingResolver;
using peerapi::testing::SilentListener;

using namespace std::chrono_literals;
using testing::CacheDouble;

VrpRecord rec(const std::string& prefix, int max_length, std::uint32_t asn) {
  return to_record(*Vrp::make(*model::Prefix::parse(prefix), max_length, asn));
}

RtrClientOptions options_to(const std::string& host, std::uint16_t port) {
  RtrClientOptions options;
  options.host = host;
  options.port = port;
  options.field = "sources.rpki.rtr";
  options.connect_timeout = 2s;
  options.response_timeout = 2s;
  options.min_backoff = 20ms;
  options.max_backoff = 200ms;
  return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

void send_full(CacheDouble::Connection& c, const std::vector<VrpRecord>& vrps) {
  c.send(rtr::CacheResponse{1, 7});
  for (const auto& v : vrps)
    c.send(rtr::PrefixPdu{1, true, v});
  c.send(rtr::EndOfData{1, 7, 1, rtr::Timers{}});
}

TEST(RtrGuard, FetchOnceRefusesALoopbackCacheWithoutConnecting) {
  SilentListener listener;
  ASSERT_NE(listener.port(), 0);
  const auto table = fetch_once(options_to("127.0.0.1", listener.port()), 2s);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().code, ErrorCode::io_error);
  EXPECT_EQ(table.error().field, "sources.rpki.rtr");
  EXPECT_EQ(table.error().message.rfind("127.0.0.1:" + std::to_string(listener.port()) +
                                            ": refused: 127.0.0.1 is not globally reachable",
                                        0),
            0u)
      << table.error().message;
  EXPECT_FALSE(listener.pending()) << "the refused cache saw a connection";
}

TEST(RtrGuard, TheBackgroundClientRefusesALoopbackCacheWithoutConnecting) {
  SilentListener listener;
  util::SystemClock clock;
  RtrClient client(options_to("127.0.0.1", listener.port()), clock);
  client.start();
  ASSERT_TRUE(eventually([&] { return client.status().failures >= 2; }))
      << "the refusal is retried like any failure";
  client.stop();
  const RtrStatus status = client.status();
  EXPECT_EQ(status.connects, 0u);
  EXPECT_NE(status.last_error.find("refused: 127.0.0.1 is not globally reachable"),
            std::string::npos)
      << status.last_error;
  EXPECT_FALSE(listener.pending());
  EXPECT_EQ(client.current()->size(), 0u);
}

TEST(RtrGuard, ConnectsOnlyToTheCheckedAddressOfARebindingName) {
  const VrpRecord vrp = rec("192.0.2.0/24", 24, 64496);
  CacheDouble cache([&](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu))
      send_full(c, {vrp});
  });
  auto resolver = std::make_shared<RebindingResolver>("127.0.0.1", "10.0.0.1");
  RtrClientOptions options = options_to("rtr.test", cache.port());
  options.outbound.allowed_prefixes.push_back(model::Prefix::parse("127.0.0.0/8").value());
  options.resolver = resolver;
  const auto first = fetch_once(options, 5s);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)->size(), 1u);
  EXPECT_EQ(resolver->hosts().size(), 1u);
  const auto second = fetch_once(options, 5s);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io_error);
  EXPECT_NE(second.error().message.find("rtr.test:" + std::to_string(cache.port()) +
                                        ": refused: 10.0.0.1 is not globally reachable"),
            std::string::npos)
      << second.error().message;
  EXPECT_EQ(cache.connections(), 1);
}

TEST(RtrGuard, MoreVrpsThanTheCapEndTheTransferWithAnErrorReport) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu)) {
      send_full(c, {rec("192.0.2.0/24", 24, 64496), rec("198.51.100.0/24", 24, 64497),
                    rec("203.0.113.0/24", 24, 64498)});
    }
  });
  RtrClientOptions options = options_to("127.0.0.1", cache.port());
  options.outbound.allow_loopback_http = true;
  options.max_vrps = 2;
  const auto table = fetch_once(options, 5s);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(table.error().field, "rtr");
  EXPECT_NE(table.error().message.find("Internal Error: more than 2 VRPs"), std::string::npos)
      << table.error().message;
  ASSERT_TRUE(cache.wait_received(2, 5s));
  const auto received = cache.received();  // a copy: received() answers by value
  const auto* report = std::get_if<rtr::ErrorReport>(&received[1].pdu);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->code, static_cast<std::uint16_t>(rtr::ErrorReportCode::internal_error));

  options.max_vrps = 3;
  const auto within = fetch_once(options, 5s);
  ASSERT_TRUE(within) << within.error().message;
  EXPECT_EQ((*within)->size(), 3u);
}

TEST(RtrGuard, APduLongerThanTheCapIsCorruptData) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    // A Cache Response header whose length field claims 64 KiB + 1.
    const std::uint32_t length = rtr::kMaxPduSize + 1;
    const std::uint8_t header[8] = {1,
                                    3,
                                    0,
                                    7,
                                    static_cast<std::uint8_t>(length >> 24),
                                    static_cast<std::uint8_t>(length >> 16),
                                    static_cast<std::uint8_t>(length >> 8),
                                    static_cast<std::uint8_t>(length)};
    c.send_raw(header);
  });
  RtrClientOptions options = options_to("127.0.0.1", cache.port());
  options.outbound.allow_loopback_http = true;
  const auto table = fetch_once(options, 5s);
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().code, ErrorCode::data_invalid);
  EXPECT_NE(table.error().message.find("PDU length 65537 is outside 8..65536"), std::string::npos)
      << table.error().message;
}

}  // namespace
}  // namespace peerapi::sources::rpki
