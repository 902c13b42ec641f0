// server/audit_retention.hpp: [audit] retention_days deletes what is older, in batches, and the
// background pass runs at start.
#include "server/audit_retention.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server/api_fixture.hpp"

namespace peerapi::testing {
namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

store::AuditEntry entry_at(std::int64_t at_ms) {
  store::AuditEntry e;
  e.at_ms = at_ms;
  e.source_address = "198.51.100.7";
  e.subject = "noc@as64501.example";
  e.asns = {*model::Asn::from_number(64501)};
  e.action = "create_sessions";
  e.status = 200;
  e.decision = "accepted";
  return e;
}

std::vector<std::int64_t> times(store::Store& store) {
  std::vector<std::int64_t> out;
  auto listed = store.list_audit(store::AuditQuery{.asn = std::nullopt,
                                                   .since_ms = std::nullopt,
                                                   .until_ms = std::nullopt,
                                                   .limit = store::kMaxAuditLimit,
                                                   .after_id = std::nullopt,
                                                   .newest_first = false});
  EXPECT_TRUE(listed.has_value());
  if (listed) {
    for (const auto& e : *listed)
      out.push_back(e.at_ms);
  }
  return out;
}

TEST(AuditRetention, DeletesOnlyWhatIsOlderThanTheRetention) {
  ApiFixture api;
  const std::int64_t now = api.clock().now_ms();
  for (std::int64_t age_days : {400, 366, 364, 0})
    ASSERT_TRUE(api.store().append_audit(entry_at(now - age_days * kDayMs)));

  auto kept_forever = server::purge_expired_audit(api.store(), 0, now);
  ASSERT_TRUE(kept_forever.has_value());
  EXPECT_EQ(*kept_forever, 0);
  EXPECT_EQ(times(api.store()).size(), 4u);

  auto purged = server::purge_expired_audit(api.store(), 365, now);
  ASSERT_TRUE(purged.has_value()) << purged.error().message;
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(times(api.store()), (std::vector<std::int64_t>{now - 364 * kDayMs, now}));
}

TEST(AuditRetention, MoreThanOneBatchIsDeletedInOnePass) {
  ApiFixture api;
  const std::int64_t now = api.clock().now_ms();
  const int old_entries = server::kAuditPurgeBatch * 2 + 1;
  for (int i = 0; i < old_entries; ++i)
    ASSERT_TRUE(api.store().append_audit(entry_at(now - 40 * kDayMs + i)));
  ASSERT_TRUE(api.store().append_audit(entry_at(now)));
  auto purged = server::purge_expired_audit(api.store(), 30, now);
  ASSERT_TRUE(purged.has_value()) << purged.error().message;
  EXPECT_EQ(*purged, old_entries);
  EXPECT_EQ(times(api.store()), std::vector<std::int64_t>{now});
}

TEST(AuditRetention, BackgroundPassRunsAtStartAndStops) {
  ApiFixture api;
  const std::int64_t now = api.clock().now_ms();
  ASSERT_TRUE(api.store().append_audit(entry_at(now - 10 * kDayMs)));
  ASSERT_TRUE(api.store().append_audit(entry_at(now)));

  server::AuditRetention off(api.store(), api.clock(), 0);
  off.start();
  off.stop();
  EXPECT_EQ(off.passes(), 0u) << "retention 0 runs no pass";
  EXPECT_EQ(times(api.store()).size(), 2u);

  server::AuditRetention retention(api.store(), api.clock(), 7);
  retention.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (retention.passes() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  retention.stop();
  EXPECT_GE(retention.passes(), 1u);
  EXPECT_EQ(retention.purged(), 1);
  EXPECT_EQ(times(api.store()), std::vector<std::int64_t>{now});
}

}  // namespace
}  // namespace peerapi::testing
