// RtrClient and fetch_once against a scripted cache double on 127.0.0.1: full and incremental
// transfers, Cache Reset, Session ID change, Error Reports both ways, version 0 fallback,
// truncated and corrupt PDUs, refresh and expire timers on an injected clock, prompt stop().
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "sources/rpki/rtr_cache_double.hpp"
#include "sources/rpki/rtr_client.hpp"

namespace peerapi::sources::rpki {
namespace {

using namespace std::chrono_literals;
using testing::CacheDouble;

VrpRecord rec(const std::string& prefix, int max_length, std::uint32_t asn) {
  return to_record(*Vrp::make(*model::Prefix::parse(prefix), max_length, asn));
}

const VrpRecord kA = rec("192.0.2.0/24", 24, 64496);
const VrpRecord kB = rec("2001:db8::/32", 48, 64497);
const VrpRecord kC = rec("198.51.100.0/24", 25, 64498);

std::set<VrpRecord> as_set(const VrpTable& table) {
  const auto records = table.records();
  return {records.begin(), records.end()};
}

void send_full(CacheDouble::Connection& c, std::uint8_t version, std::uint16_t session,
               std::uint32_t serial, const std::vector<VrpRecord>& vrps, rtr::Timers timers = {}) {
  c.send(rtr::CacheResponse{version, session});
  for (const auto& v : vrps)
    c.send(rtr::PrefixPdu{version, true, v});
  c.send(rtr::EndOfData{version, session, serial, timers});
}

RtrClientOptions options_for(std::uint16_t port) {
  RtrClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.outbound.allow_loopback_http = true;  // the cache double listens on 127.0.0.1
  options.connect_timeout = 2s;
  options.response_timeout = 2s;
  options.min_backoff = 20ms;
  options.max_backoff = 200ms;
  return options;
}

/// A port nothing listens on (bound to port 0, then closed).
std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

template <class T>
const T* pdu_as(const CacheDouble::Received& received) {
  return std::get_if<T>(&received.pdu);
}

/// A one-shot gate the double's handler can wait on (bounded, so a failing test cannot hang).
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 5s, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

TEST(RtrClient, HoldsAnEmptyTableBeforeTheFirstTransfer) {
  util::SystemClock clock;
  RtrClient client(options_for(unused_port()), clock);
  ASSERT_NE(client.current(), nullptr);
  EXPECT_EQ(client.current()->size(), 0u);
  EXPECT_FALSE(client.status().has_data);
}

TEST(RtrClient, FullTransferThenIncrementalUpdateOnSerialNotify) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu)) {
      send_full(c, 1, 7, 1, {kA, kB}, rtr::Timers{900, 60, 3600});
    } else if (const auto* query = std::get_if<rtr::SerialQuery>(&pdu)) {
      if (query->session_id == 7 && query->serial == 1) {
        c.send(rtr::CacheResponse{1, 7});
        c.send(rtr::PrefixPdu{1, true, kC});
        c.send(rtr::PrefixPdu{1, false, kA});
        c.send(rtr::EndOfData{1, 7, 2, rtr::Timers{900, 60, 3600}});
      }
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  const auto first = client.wait_for_generation(0, 5s);
  ASSERT_GE(first, 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA, kB}));
  EXPECT_EQ(client.current()->validate(*model::Prefix::parse("192.0.2.0/24"),
                                       *model::Asn::from_number(64496)),
            RovState::valid);

  ASSERT_TRUE(cache.push(rtr::SerialNotify{1, 7, 2}));
  ASSERT_GT(client.wait_for_generation(first, 5s), first);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kB, kC}));

  const auto status = client.status();
  EXPECT_TRUE(status.connected);
  EXPECT_TRUE(status.has_data);
  EXPECT_EQ(status.version, 1);
  EXPECT_EQ(status.session_id, 7);
  EXPECT_EQ(status.serial, 2u);
  EXPECT_EQ(status.timers.refresh, 900u);
  EXPECT_EQ(status.timers.retry, 60u);
  EXPECT_EQ(status.timers.expire, 3600u);
  EXPECT_EQ(status.full_syncs, 1u);
  EXPECT_EQ(status.incremental_syncs, 1u);
  EXPECT_EQ(status.connects, 1u);

  // A notify for the serial already held asks for nothing.
  ASSERT_TRUE(cache.push(rtr::SerialNotify{1, 7, 2}));
  std::this_thread::sleep_for(200ms);
  const auto received = cache.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_TRUE(*pdu_as<rtr::ResetQuery>(received[0]) == rtr::ResetQuery{1});
  EXPECT_TRUE(*pdu_as<rtr::SerialQuery>(received[1]) == (rtr::SerialQuery{1, 7, 1}));
  client.stop();
}

TEST(RtrClient, CacheResetLeadsToAResetQueryOnTheSameConnection) {
  int resets = 0;
  CacheDouble cache([&resets](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu)) {
      if (++resets == 1)
        send_full(c, 1, 7, 1, {kA});
      else
        send_full(c, 1, 7, 5, {kB, kC});
    } else if (std::holds_alternative<rtr::SerialQuery>(pdu)) {
      c.send(rtr::CacheReset{1});
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  const auto first = client.wait_for_generation(0, 5s);
  ASSERT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  ASSERT_TRUE(cache.push(rtr::SerialNotify{1, 7, 2}));
  ASSERT_GT(client.wait_for_generation(first, 5s), first);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kB, kC}));
  EXPECT_EQ(client.status().serial, 5u);
  EXPECT_EQ(client.status().full_syncs, 2u);

  const auto received = cache.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_NE(pdu_as<rtr::ResetQuery>(received[0]), nullptr);
  EXPECT_NE(pdu_as<rtr::SerialQuery>(received[1]), nullptr);
  EXPECT_NE(pdu_as<rtr::ResetQuery>(received[2]), nullptr);
  for (const auto& r : received)
    EXPECT_EQ(r.connection, 1);
}

TEST(RtrClient, SessionIdChangeFlushesTheDataAndStartsOver) {
  Gate gate;
  CacheDouble cache([&gate](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu)) {
      if (c.number() == 1) {
        send_full(c, 1, 7, 1, {kA});
      } else {
        gate.wait();
        send_full(c, 1, 8, 1, {kB});
      }
    } else if (std::holds_alternative<rtr::SerialQuery>(pdu)) {
      c.send(rtr::CacheResponse{1, 8});  // the cache restarted with a new session
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  const auto first = client.wait_for_generation(0, 5s);
  ASSERT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  ASSERT_TRUE(cache.push(rtr::SerialNotify{1, 7, 2}));

  ASSERT_TRUE(cache.wait_received(4, 5s)) << "Reset, Serial, Error Report, Reset";
  EXPECT_EQ(client.current()->size(), 0u) << "RFC 8210 section 5.1: flushed";
  EXPECT_FALSE(client.status().has_data);
  gate.open();
  ASSERT_TRUE(eventually([&] { return as_set(*client.current()) == std::set<VrpRecord>{kB}; }));
  EXPECT_EQ(client.status().session_id, 8);
  EXPECT_GT(client.status().generation, first + 1);

  const auto received = cache.received();
  ASSERT_GE(received.size(), 4u);
  const auto* report = pdu_as<rtr::ErrorReport>(received[2]);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->code, static_cast<std::uint16_t>(rtr::ErrorReportCode::corrupt_data));
  EXPECT_EQ(report->pdu, rtr::encode(rtr::CacheResponse{1, 8}));
  EXPECT_NE(report->text.find("session"), std::string::npos) << report->text;
  EXPECT_EQ(received[2].connection, 1);
  EXPECT_NE(pdu_as<rtr::ResetQuery>(received[3]), nullptr);
  EXPECT_EQ(received[3].connection, 2);
}

TEST(RtrClient, NoDataAvailableClosesAndRetries) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    if (c.number() == 1) {
      c.send(rtr::make_error_report(1, rtr::ErrorReportCode::no_data_available, {},
                                    "still validating"));
    } else {
      send_full(c, 1, 7, 1, {kA});
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  const auto status = client.status();
  EXPECT_EQ(status.error_reports_received, 1u);
  EXPECT_EQ(status.error_reports_sent, 0u) << "never an Error Report about an Error Report";
  EXPECT_EQ(status.connects, 2u);
  EXPECT_NE(status.last_error.find("No Data Available"), std::string::npos) << status.last_error;
  EXPECT_NE(status.last_error.find("still validating"), std::string::npos) << status.last_error;
  for (const auto& r : cache.received())
    EXPECT_NE(pdu_as<rtr::ResetQuery>(r), nullptr);
}

TEST(RtrClient, FallsBackToVersion0WhenTheCacheAsks) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (const auto* reset = std::get_if<rtr::ResetQuery>(&pdu)) {
      if (reset->version == 1) {
        c.send(rtr::make_error_report(0, rtr::ErrorReportCode::unsupported_protocol_version,
                                      rtr::encode(pdu), "version 0 only"));
        c.close();
      } else {
        send_full(c, 0, 9, 3, {kA});
      }
    } else if (const auto* query = std::get_if<rtr::SerialQuery>(&pdu)) {
      if (query->version == 0 && query->session_id == 9 && query->serial == 3) {
        c.send(rtr::CacheResponse{0, 9});
        c.send(rtr::PrefixPdu{0, true, kB});
        c.send(rtr::EndOfData{0, 9, 4, {}});
      }
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  const auto first = client.wait_for_generation(0, 5s);
  ASSERT_GE(first, 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  auto status = client.status();
  EXPECT_EQ(status.version, 0);
  EXPECT_EQ(status.timers.refresh, 3600u) << "version 0 has no timers: RFC 8210 defaults";
  EXPECT_EQ(status.timers.retry, 600u);
  EXPECT_EQ(status.timers.expire, 7200u);

  ASSERT_TRUE(cache.push(rtr::SerialNotify{0, 9, 4}));
  ASSERT_GT(client.wait_for_generation(first, 5s), first);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA, kB}));

  const auto received = cache.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_TRUE(*pdu_as<rtr::ResetQuery>(received[0]) == rtr::ResetQuery{1});
  EXPECT_EQ(received[0].connection, 1);
  EXPECT_TRUE(*pdu_as<rtr::ResetQuery>(received[1]) == rtr::ResetQuery{0});
  EXPECT_EQ(received[1].connection, 2);
  EXPECT_TRUE(*pdu_as<rtr::SerialQuery>(received[2]) == (rtr::SerialQuery{0, 9, 3}));
}

TEST(RtrClient, AcceptsAVersion0AnswerToAVersion1ResetQuery) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu))
      send_full(c, 0, 9, 3, {kA});
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(client.status().version, 0);
  EXPECT_EQ(client.status().connects, 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
}

TEST(RtrClient, IgnoresSerialNotifyDuringStartupWhateverItsVersion) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    const std::vector<std::uint8_t> v2_notify{2, 0, 0, 7, 0, 0, 0, 12, 0, 0, 0, 1};
    c.send_raw(v2_notify);
    c.send(rtr::SerialNotify{1, 7, 1});
    send_full(c, 1, 7, 1, {kA});
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  EXPECT_EQ(client.status().error_reports_sent, 0u);
}

TEST(RtrClient, AnswersAPduInAnotherVersionWithUnexpectedProtocolVersion) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    if (c.number() == 1) {
      c.send(rtr::CacheResponse{1, 7});
      c.send(rtr::PrefixPdu{0, true, kA});
    } else {
      send_full(c, 1, 7, 1, {kB});
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kB}));
  const auto received = cache.received();
  ASSERT_GE(received.size(), 2u);
  const auto* report = pdu_as<rtr::ErrorReport>(received[1]);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->code,
            static_cast<std::uint16_t>(rtr::ErrorReportCode::unexpected_protocol_version));
  EXPECT_EQ(report->pdu, rtr::encode(rtr::PrefixPdu{0, true, kA}));
}

TEST(RtrClient, AnswersCorruptDataWithAnErrorReportAndRecovers) {
  // IPv4 Prefix 192.0.2.0/24 with max length 40.
  const std::vector<std::uint8_t> corrupt{1,  4, 0,   0, 0, 0, 0, 20, 1,    24,
                                          40, 0, 192, 0, 2, 0, 0, 0,  0xfb, 0xf0};
  CacheDouble cache([&corrupt](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    if (c.number() == 1) {
      c.send(rtr::CacheResponse{1, 7});
      c.send_raw(corrupt);
    } else {
      send_full(c, 1, 7, 1, {kA});
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  const auto received = cache.received();
  ASSERT_GE(received.size(), 3u);
  const auto* report = pdu_as<rtr::ErrorReport>(received[1]);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->code, static_cast<std::uint16_t>(rtr::ErrorReportCode::corrupt_data));
  EXPECT_EQ(report->pdu, corrupt);
  EXPECT_NE(report->text.find("ipv4_prefix.max_length"), std::string::npos) << report->text;
  EXPECT_EQ(client.status().error_reports_sent, 1u);
  EXPECT_GE(client.status().failures, 1u);
}

TEST(RtrClient, RejectsDuplicateAnnouncements) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu) && c.number() == 1)
      send_full(c, 1, 7, 1, {kA, kA});
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_TRUE(cache.wait_received(2, 5s));
  const auto received = cache.received();
  const auto* report = pdu_as<rtr::ErrorReport>(received[1]);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->code, static_cast<std::uint16_t>(rtr::ErrorReportCode::duplicate_announcement));
  EXPECT_EQ(report->pdu, rtr::encode(rtr::PrefixPdu{1, true, kA}));
  EXPECT_EQ(client.current()->size(), 0u) << "nothing is published without End of Data";
}

TEST(RtrClient, AnUnknownWithdrawalUndoesTheIncompleteUpdate) {
  std::atomic<int> serial_queries{0};
  CacheDouble cache([&serial_queries](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu)) {
      send_full(c, 1, 7, 1, {kA});
    } else if (std::holds_alternative<rtr::SerialQuery>(pdu)) {
      c.send(rtr::CacheResponse{1, 7});
      c.send(rtr::PrefixPdu{1, true, kB});
      if (++serial_queries == 1)
        c.send(rtr::PrefixPdu{1, false, kC});  // never announced
      c.send(rtr::EndOfData{1, 7, 2, {}});
    }
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  const auto first = client.wait_for_generation(0, 5s);
  ASSERT_TRUE(cache.push(rtr::SerialNotify{1, 7, 2}));
  ASSERT_TRUE(cache.wait_received(3, 5s));
  const auto received = cache.received();
  const auto* report = pdu_as<rtr::ErrorReport>(received[2]);
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->code,
            static_cast<std::uint16_t>(rtr::ErrorReportCode::withdrawal_of_unknown_record));
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));

  // The next connection asks again from serial 1: the announcement of kB was rolled back.
  ASSERT_GT(client.wait_for_generation(first, 5s), first);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA, kB}));
  const auto after = cache.received();
  ASSERT_GE(after.size(), 4u);
  EXPECT_TRUE(*pdu_as<rtr::SerialQuery>(after[3]) == (rtr::SerialQuery{1, 7, 1}));
  EXPECT_EQ(after[3].connection, 2);
}

TEST(RtrClient, ATruncatedPduChangesNothing) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    if (c.number() == 1) {
      c.send(rtr::CacheResponse{1, 7});
      const auto bytes = rtr::encode(rtr::PrefixPdu{1, true, kA});
      c.send_raw(std::span<const std::uint8_t>(bytes.data(), 11));
      c.close();
    } else if (c.number() == 2) {
      c.send(rtr::CacheResponse{1, 7});
      const auto bytes = rtr::encode(rtr::PrefixPdu{1, true, kA});
      c.send_raw(std::span<const std::uint8_t>(bytes.data(), 11));
      // ... and stays silent: the response timeout ends it.
    } else {
      send_full(c, 1, 7, 1, {kC});
    }
  });
  util::SystemClock clock;
  auto options = options_for(cache.port());
  options.response_timeout = 300ms;
  RtrClient client(options, clock);
  client.start();
  ASSERT_TRUE(eventually([&] { return client.status().failures >= 1; }));
  EXPECT_NE(client.status().last_error.find("closed the connection before the answer was complete"),
            std::string::npos)
      << client.status().last_error;
  EXPECT_EQ(client.current()->size(), 0u);
  ASSERT_TRUE(eventually([&] { return client.status().failures >= 2; }));
  EXPECT_NE(client.status().last_error.find("no answer from the cache within 300 ms"),
            std::string::npos)
      << client.status().last_error;
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kC}));
}

TEST(RtrClient, SkipsRouterKeys) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (!std::holds_alternative<rtr::ResetQuery>(pdu))
      return;
    c.send(rtr::CacheResponse{1, 7});
    rtr::RouterKey key;
    key.asn = 64496;
    key.spki = {1, 2, 3};
    c.send(key);
    c.send(rtr::PrefixPdu{1, true, kA});
    c.send(rtr::EndOfData{1, 7, 1, {}});
  });
  util::SystemClock clock;
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  ASSERT_GE(client.wait_for_generation(0, 5s), 1u);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  EXPECT_EQ(client.status().router_keys_skipped, 1u);
}

TEST(RtrClient, RefreshesOnTheInjectedClockAndDropsExpiredData) {
  std::atomic<bool> answer_serial_queries{true};
  CacheDouble cache([&](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    const rtr::Timers timers{300, 60, 900};
    if (std::holds_alternative<rtr::ResetQuery>(pdu)) {
      send_full(c, 1, 7, 1, {c.number() == 1 ? kA : kB}, timers);
    } else if (std::holds_alternative<rtr::SerialQuery>(pdu) && answer_serial_queries) {
      c.send(rtr::CacheResponse{1, 7});
      c.send(rtr::EndOfData{1, 7, 1, timers});
    }
  });
  util::ManualClock clock(1'800'000'000'000);
  RtrClient client(options_for(cache.port()), clock);
  client.start();
  const auto first = client.wait_for_generation(0, 5s);
  ASSERT_GE(first, 1u);
  ASSERT_EQ(client.status().timers.refresh, 300u);

  clock.advance_ms(299'000);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(cache.received().size(), 1u) << "refresh interval not reached";
  clock.advance_ms(1'000);
  ASSERT_TRUE(cache.wait_received(2, 5s));
  EXPECT_NE(pdu_as<rtr::SerialQuery>(cache.received()[1]), nullptr);
  const auto refreshed = client.wait_for_generation(first, 5s);
  ASSERT_GT(refreshed, first);
  EXPECT_EQ(client.status().last_update_ms, clock.now_ms());
  EXPECT_EQ(client.status().incremental_syncs, 1u);

  // The cache stops answering: the data expires 900 s after the last End of Data.
  answer_serial_queries = false;
  clock.advance_ms(899'000);
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kA}));
  EXPECT_FALSE(client.status().stale);
  clock.advance_ms(1'000);
  EXPECT_EQ(client.current()->size(), 0u);
  EXPECT_TRUE(client.status().stale);
  EXPECT_FALSE(client.status().has_data);

  // The client starts over with a Reset Query and holds fresh data again.
  ASSERT_TRUE(eventually([&] {
    clock.advance_ms(1'000);
    return client.status().has_data;
  })) << client.status().last_error
      << " connects " << client.status().connects << " received " << cache.received().size();
  EXPECT_EQ(as_set(*client.current()), (std::set<VrpRecord>{kB}));
  EXPECT_FALSE(client.status().stale);
}

TEST(RtrClient, StopIsPromptWhileWaitingForAnAnswer) {
  CacheDouble cache([](CacheDouble::Connection&, const rtr::Pdu&) {});  // never answers
  util::SystemClock clock;
  auto options = options_for(cache.port());
  options.response_timeout = 60s;
  RtrClient client(options, clock);
  client.start();
  ASSERT_TRUE(cache.wait_received(1, 5s));
  const auto before = std::chrono::steady_clock::now();
  client.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
}

TEST(RtrClient, StopIsPromptDuringBackoff) {
  util::SystemClock clock;
  auto options = options_for(unused_port());
  options.min_backoff = 60s;
  options.max_backoff = 60s;
  RtrClient client(options, clock);
  client.start();
  ASSERT_TRUE(eventually([&] { return client.status().failures >= 1; }));
  EXPECT_NE(client.status().last_error.find("Connection refused"), std::string::npos)
      << client.status().last_error;
  const auto before = std::chrono::steady_clock::now();
  client.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms);
}

TEST(FetchOnce, ReturnsTheCachesTable) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (std::holds_alternative<rtr::ResetQuery>(pdu))
      send_full(c, 1, 7, 1, {kA, kB});
  });
  const auto table = fetch_once(options_for(cache.port()), 5s);
  ASSERT_TRUE(table.has_value()) << table.error().message;
  EXPECT_EQ(as_set(**table), (std::set<VrpRecord>{kA, kB}));
}

TEST(FetchOnce, FallsBackToVersion0) {
  CacheDouble cache([](CacheDouble::Connection& c, const rtr::Pdu& pdu) {
    if (const auto* reset = std::get_if<rtr::ResetQuery>(&pdu)) {
      if (reset->version == 1) {
        c.send(
            rtr::make_error_report(0, rtr::ErrorReportCode::unsupported_protocol_version, {}, ""));
        c.close();
      } else {
        send_full(c, 0, 9, 3, {kC});
      }
    }
  });
  const auto table = fetch_once(options_for(cache.port()), 5s);
  ASSERT_TRUE(table.has_value()) << table.error().message;
  EXPECT_EQ(as_set(**table), (std::set<VrpRecord>{kC}));
}

TEST(FetchOnce, Failures) {
  const auto refused = fetch_once(options_for(unused_port()), 2s);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(refused.error().field, "rtr");

  CacheDouble silent([](CacheDouble::Connection&, const rtr::Pdu&) {});
  const auto timed_out = fetch_once(options_for(silent.port()), 300ms);
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().code, ErrorCode::unavailable);

  CacheDouble no_data([](CacheDouble::Connection& c, const rtr::Pdu&) {
    c.send(rtr::make_error_report(1, rtr::ErrorReportCode::no_data_available, {}, ""));
  });
  const auto unavailable = fetch_once(options_for(no_data.port()), 2s);
  ASSERT_FALSE(unavailable.has_value());
  EXPECT_EQ(unavailable.error().code, ErrorCode::unavailable);
  EXPECT_NE(unavailable.error().message.find("No Data Available"), std::string::npos);

  CacheDouble corrupt([](CacheDouble::Connection& c, const rtr::Pdu&) {
    c.send(rtr::CacheResponse{1, 7});
    c.send(rtr::PrefixPdu{1, true, kA});
    c.send(rtr::PrefixPdu{1, true, kA});
  });
  const auto duplicate = fetch_once(options_for(corrupt.port()), 2s);
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, ErrorCode::data_invalid);
  EXPECT_NE(duplicate.error().message.find("Duplicate Announcement"), std::string::npos);
}

}  // namespace
}  // namespace peerapi::sources::rpki
