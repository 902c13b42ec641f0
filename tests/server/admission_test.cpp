// Admission control with a manual clock: token buckets (refill, burst, Retry-After rounding),
// per-/64 aggregation, the memory bound, live reconfiguration, allowed senders and the
// X-Forwarded-For rules for trusted proxies.
#include "server/admission.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace peerapi::server {
namespace {

using Scope = Refusal::Scope;

model::IpAddress ip(std::string_view text) {
  return *model::IpAddress::parse(text);
}

model::Prefix prefix(std::string_view text) {
  return *model::Prefix::parse(text);
}

model::Asn asn(std::uint32_t n) {
  return *model::Asn::from_number(n);
}

config::LimitsSection limits(double address_rate, std::int64_t address_burst, double asn_rate = 0,
                             std::int64_t asn_burst = 0) {
  config::LimitsSection out;
  out.per_address_rate = address_rate;
  out.per_address_burst = address_burst;
  out.per_asn_rate = asn_rate;
  out.per_asn_burst = asn_burst;
  return out;
}

/// Requests admitted from `source` until the first refusal (at most `bound`).
int admitted_in_a_row(Admission& admission, const model::IpAddress& source, int bound = 1000) {
  for (int i = 0; i < bound; ++i) {
    if (admission.admit_address(source))
      return i;
  }
  return bound;
}

TEST(Admission, BurstIsAdmittedThenRefusedUntilRefill) {
  util::ManualClock clock(1'700'000'000'000);
  Admission admission(limits(10.0, 5), clock);
  const auto source = ip("192.0.2.10");
  EXPECT_EQ(admitted_in_a_row(admission, source), 5);
  clock.advance_ms(100);  // 10/s: one token
  EXPECT_EQ(admitted_in_a_row(admission, source), 1);
  clock.advance_ms(60'000);  // capped at the burst
  EXPECT_EQ(admitted_in_a_row(admission, source), 5);
  EXPECT_EQ(admission.refusals(Scope::address), 3u);
}

TEST(Admission, RetryAfterIsTheCeilingOfTheWaitAndAtLeastOneSecond) {
  struct Row {
    double rate;
    std::int64_t advance_ms;  // after the bucket (burst 1) was emptied
    std::int64_t retry_after;
  };
  for (const Row& row : std::vector<Row>{{20.0, 0, 1},     // 50 ms -> 1
                                         {0.25, 0, 4},     // exactly 4 s
                                         {0.25, 1000, 3},  // 3 s left
                                         {0.25, 3500, 1},  // 0.5 s left -> 1
                                         {0.3, 0, 4},      // 3.33 s -> 4
                                         {0.5, 1, 2}}) {   // 1.998 s -> 2
    util::ManualClock clock(1'000'000);
    Admission admission(limits(row.rate, 1), clock);
    const auto source = ip("198.51.100.1");
    ASSERT_FALSE(admission.admit_address(source).has_value());
    clock.advance_ms(row.advance_ms);
    auto refused = admission.admit_address(source);
    ASSERT_TRUE(refused.has_value()) << row.rate << " " << row.advance_ms;
    EXPECT_EQ(refused->scope, Scope::address);
    EXPECT_EQ(refused->retry_after_seconds, row.retry_after) << row.rate << " " << row.advance_ms;
  }
}

TEST(Admission, RefusalNamesTheLimit) {
  util::ManualClock clock(0);
  Admission admission(limits(50.0, 1, 20.0, 1), clock);
  ASSERT_FALSE(admission.admit_address(ip("2001:db8:1:2::7")));
  auto by_address = admission.admit_address(ip("2001:db8:1:2::8"));
  ASSERT_TRUE(by_address.has_value());
  EXPECT_EQ(by_address->message,
            "rate limit for 2001:db8:1:2::/64: 50 requests/s, burst 1 (limits.per_address_rate)");
  const model::Asn asns[] = {asn(64501)};
  ASSERT_FALSE(admission.admit_asns(asns));
  auto by_asn = admission.admit_asns(asns);
  ASSERT_TRUE(by_asn.has_value());
  EXPECT_EQ(by_asn->scope, Scope::asn);
  EXPECT_EQ(by_asn->message,
            "rate limit for AS64501: 20 requests/s, burst 1 (limits.per_asn_rate)");
}

TEST(Admission, Ipv6CountsPerSlash64AndMappedIpv4AsIpv4) {
  util::ManualClock clock(0);
  Admission admission(limits(1.0, 2), clock);
  EXPECT_EQ(admitted_in_a_row(admission, ip("2001:db8:1:2::1"), 1), 1);
  EXPECT_EQ(admitted_in_a_row(admission, ip("2001:db8:1:2:ffff:ffff:ffff:9")), 1)
      << "same /64: one token left";
  EXPECT_EQ(admitted_in_a_row(admission, ip("2001:db8:1:3::1")), 2) << "another /64";
  EXPECT_EQ(admitted_in_a_row(admission, ip("192.0.2.1"), 1), 1);
  EXPECT_EQ(admitted_in_a_row(admission, ip("192.0.2.2")), 2) << "IPv4 per address";
  const auto mapped = admission.source_address("::ffff:192.0.2.1", "");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_TRUE(mapped->is_v4());
  EXPECT_EQ(admitted_in_a_row(admission, *mapped), 1) << "the IPv4 bucket";
  EXPECT_EQ(admission.tracked_addresses(), 4u);
}

TEST(Admission, TablesStayWithinMaxTrackedKeysAndKeepBusyBuckets) {
  util::ManualClock clock(0);
  config::LimitsSection bounded = limits(0.001, 1, 0.001, 1);
  bounded.max_tracked_keys = 160;
  Admission admission(bounded, clock);
  const auto busy = ip("203.0.113.1");
  ASSERT_FALSE(admission.admit_address(busy));
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    ASSERT_FALSE(admission.admit_address(model::IpAddress::v4(0x0a000000u + i)));
    // The busy source keeps being refused: its empty bucket is never the one evicted.
    ASSERT_TRUE(admission.admit_address(busy)) << i;
  }
  EXPECT_LE(admission.tracked_addresses(), 160u);
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const model::Asn many[] = {asn(4'200'000'000u + i)};
    ASSERT_FALSE(admission.admit_asns(many));
  }
  EXPECT_LE(admission.tracked_asns(), 160u);
}

TEST(Admission, ReconfigureSwapsLimitsAndKeepsBalances) {
  util::ManualClock clock(0);
  Admission admission(limits(1.0, 10), clock);
  const auto source = ip("192.0.2.20");
  EXPECT_EQ(admitted_in_a_row(admission, source, 7), 7);  // 3 tokens left
  admission.reconfigure(limits(1.0, 2));
  EXPECT_EQ(admitted_in_a_row(admission, source), 2) << "clamped to the new burst";
  admission.reconfigure(limits(0.0, 0));
  EXPECT_EQ(admitted_in_a_row(admission, source, 50), 50) << "rate 0: off";
  admission.reconfigure(limits(1.0, 10));
  EXPECT_EQ(admitted_in_a_row(admission, source), 0) << "balance kept across reloads";
  config::LimitsSection pending = limits(1.0, 10);
  pending.max_pending_per_requester = 7;
  admission.reconfigure(pending);
  EXPECT_EQ(admission.max_pending_per_requester(), 7);
}

TEST(Admission, SeveralAsnsAreChargedTogetherOrNotAtAll) {
  util::ManualClock clock(0);
  Admission admission(limits(0, 0, 0.001, 2), clock);
  const model::Asn one[] = {asn(64501)};
  const model::Asn both[] = {asn(64502), asn(64501)};
  ASSERT_FALSE(admission.admit_asns(one));
  ASSERT_FALSE(admission.admit_asns(one));
  auto refused = admission.admit_asns(both);
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("AS64501"), std::string::npos) << refused->message;
  const model::Asn other[] = {asn(64502)};
  EXPECT_FALSE(admission.admit_asns(other)) << "AS64502 was not charged by the refusal";
  EXPECT_FALSE(admission.admit_asns(other));
  EXPECT_TRUE(admission.admit_asns(other));
}

TEST(Admission, AllowedSendersPerGroup) {
  util::ManualClock clock(0);
  config::LimitsSection configured = limits(0, 0);
  configured.allowed_senders.api = {prefix("192.0.2.0/24"), prefix("2001:db8::/32")};
  Admission admission(configured, clock);
  struct Row {
    EndpointGroup group;
    std::optional<std::string_view> source;
    bool allowed;
  };
  for (const Row& row : std::vector<Row>{
           {EndpointGroup::api, "192.0.2.77", true},
           {EndpointGroup::api, "2001:db8:ffff::1", true},
           {EndpointGroup::api, "198.51.100.1", false},
           {EndpointGroup::api, std::nullopt, false},
           {EndpointGroup::registration, "198.51.100.1", true},  // empty list: everyone
           {EndpointGroup::health, "198.51.100.1", true},
           {EndpointGroup::metrics, "127.0.0.1", true},  // default: loopback, private
           {EndpointGroup::metrics, "::1", true},
           {EndpointGroup::metrics, "10.1.2.3", true},
           {EndpointGroup::metrics, "fd00::1", true},
           {EndpointGroup::metrics, "203.0.113.1", false},
           {EndpointGroup::metrics, "2001:db8::1", false}}) {
    std::optional<model::IpAddress> source;
    if (row.source)
      source = ip(*row.source);
    auto refused = admission.admit_sender(row.group, source);
    EXPECT_EQ(!refused.has_value(), row.allowed)
        << to_string(row.group) << " " << (row.source ? *row.source : "unknown");
    if (refused) {
      EXPECT_EQ(refused->scope, Scope::sender);
      EXPECT_NE(
          refused->message.find("limits.allowed_senders." + std::string(to_string(row.group))),
          std::string::npos)
          << refused->message;
    }
  }
  EXPECT_EQ(admission.refusals(Scope::sender), 4u);
}

TEST(Admission, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  util::ManualClock clock(0);
  config::LimitsSection configured = limits(1, 1);
  configured.trusted_proxies = {prefix("10.0.0.0/8"), prefix("2001:db8:ff::/48")};
  Admission admission(configured, clock);
  struct Row {
    std::string_view peer;
    std::string_view forwarded_for;
    std::optional<std::string_view> expected;
  };
  for (const Row& row : std::vector<Row>{
           // An untrusted peer's header is ignored: anyone can write it.
           {"203.0.113.9", "198.51.100.1", "203.0.113.9"},
           {"203.0.113.9", "10.0.0.1", "203.0.113.9"},
           {"10.0.0.1", "", "10.0.0.1"},
           {"10.0.0.1", "198.51.100.1", "198.51.100.1"},
           // The rightmost hop not written by a trusted proxy; what the client put left of it
           // is not believed.
           {"10.0.0.1", "192.0.2.66, 198.51.100.1, 10.0.0.2", "198.51.100.1"},
           {"10.0.0.1", "192.0.2.66,198.51.100.1", "198.51.100.1"},
           {"10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"},  // all trusted: the leftmost
           {"10.0.0.1", "garbage", "10.0.0.1"},
           {"10.0.0.1", "198.51.100.1, garbage", "10.0.0.1"},
           {"10.0.0.1", "198.51.100.1, 10.0.0.2, bad", "10.0.0.1"},
           {"10.0.0.1", "[2001:db8::5]:443", "2001:db8::5"},
           {"10.0.0.1", "198.51.100.7:5555", "198.51.100.7"},
           {"10.0.0.1", "::ffff:198.51.100.8", "198.51.100.8"},
           {"::ffff:10.0.0.1", "198.51.100.1", "198.51.100.1"},
           {"2001:db8:ff:1::1", "2001:db8:1::1", "2001:db8:1::1"},
           {"not-an-address", "198.51.100.1", std::nullopt},
           {"", "", std::nullopt}}) {
    auto source = admission.source_address(row.peer, row.forwarded_for);
    ASSERT_EQ(source.has_value(), row.expected.has_value())
        << row.peer << " | " << row.forwarded_for;
    if (source) {
      EXPECT_EQ(*source, ip(*row.expected)) << row.peer << " | " << row.forwarded_for;
    }
  }
}

TEST(Admission, HookSeesEveryRefusalWithItsScope) {
  util::ManualClock clock(0);
  config::LimitsSection configured = limits(1, 1, 1, 1);
  configured.allowed_senders.api = {prefix("192.0.2.0/24")};
  Admission admission(configured, clock);
  std::vector<std::string> seen;
  admission.set_refusal_hook([&seen](std::string_view scope) { seen.emplace_back(scope); });
  const auto source = ip("198.51.100.1");
  admission.admit_sender(EndpointGroup::api, source);
  admission.admit_address(source);
  admission.admit_address(source);
  const model::Asn one[] = {asn(64501)};
  admission.admit_asns(one);
  admission.admit_asns(one);
  admission.note_pending_refusal();
  EXPECT_EQ(seen, (std::vector<std::string>{"sender", "address", "asn", "pending"}));
  EXPECT_EQ(admission.refusals(Scope::pending), 1u);
}

TEST(Admission, ConcurrentCallersShareOneBucketExactly) {
  util::ManualClock clock(0);
  Admission admission(limits(0.001, 1000), clock);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (!admission.admit_address(ip("192.0.2.1")))
          ++admitted;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(admitted.load(), 1000);
}

// The cost of the checks (figures for docs/security.md; not an assertion on speed).
TEST(Admission, CostOfTheAddressCheck) {
  util::ManualClock clock(0);
  constexpr int kCalls = 200'000;
  const auto per_call_ns = [&](Admission& admission, int& refused) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) {
      const auto source = admission.source_address(i % 2 ? "192.0.2.1" : "::ffff:198.51.100.2", "");
      refused += admission.admit_address(source).has_value() ? 1 : 0;
    }
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count()) /
           kCalls;
  };
  Admission open(limits(1e6, 1'000'000'000), clock);
  Admission closed(limits(0.001, 1), clock);
  int admitted_refused = 0;
  int refused = 0;
  const double admitted_ns = per_call_ns(open, admitted_refused);
  const double refused_ns = per_call_ns(closed, refused);
  std::printf("source_address + admit_address: %.0f ns admitted, %.0f ns refused\n", admitted_ns,
              refused_ns);
  EXPECT_EQ(admitted_refused, 0);
  EXPECT_EQ(refused, kCalls - 2);
}

}  // namespace
}  // namespace peerapi::server
