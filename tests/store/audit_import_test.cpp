// PostgresStore::import (`peerapi migrate`) carries the audit log: ids, every column, the ASN
// filter on the copied rows, the row count check, and new entries numbered after the copied ones.
#include <gtest/gtest.h>

#include "store/postgres/postgres_store.hpp"
#include "store/postgres_server.hpp"
#include "support/test_support.hpp"

namespace peerapi::store::test {
namespace {

using peerapi::testing::PostgresServer;

TEST(AuditImport, CopiedEntriesKeepTheirIdsAndNewOnesFollow) {
  if (const std::string reason = PostgresServer::unavailable_reason(); !reason.empty())
    GTEST_SKIP() << "PostgreSQL tests SKIPPED: " << reason;
  std::string why;
  PostgresServer* server = PostgresServer::shared(&why);
  ASSERT_NE(server, nullptr) << why;
  peerapi::testing::TempDir dir;
  const std::string database = PostgresServer::database_for(dir.path());
  ASSERT_TRUE(server->create_database(database, &why)) << why;
  util::SecureRandom random;
  auto opened = PostgresStore::open(server->uri(database), random);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  PostgresStore& store = **opened;

  StoreDump dump;
  dump.audit.push_back(StoreDump::Audit{.id = 7,
                                        .at_ms = 1'700'000'000'000,
                                        .source_address = "198.51.100.7",
                                        .subject = "noc@as64501.example",
                                        .email = "",
                                        .issuer = "static",
                                        .asns = "64501 64502",
                                        .action = "create_sessions",
                                        .request_id = "r",
                                        .client_request_id = "",
                                        .session_ids = "a\nb",
                                        .status = 200,
                                        .decision = "accepted",
                                        .reasons = ""});
  dump.audit.push_back(StoreDump::Audit{.id = 9,
                                        .at_ms = 1'700'000'060'000,
                                        .source_address = "cli",
                                        .subject = "admin:root",
                                        .email = "",
                                        .issuer = "",
                                        .asns = "",
                                        .action = "admin_approve",
                                        .request_id = "",
                                        .client_request_id = "",
                                        .session_ids = "a",
                                        .status = 0,
                                        .decision = "approved",
                                        .reasons = ""});
  auto copied = store.import(dump);
  ASSERT_TRUE(copied.has_value()) << copied.error().message;
  EXPECT_EQ(copied->audit, 2);

  AuditQuery by_asn;
  by_asn.asn = *model::Asn::from_number(64502);
  auto listed = store.list_audit(by_asn);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, 7);
  EXPECT_EQ(listed->front().session_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(listed->front().asns.size(), 2u);

  AuditEntry next;
  next.at_ms = 1'700'000'120'000;
  next.action = "delete_session";
  next.decision = "deleted";
  auto id = store.append_audit(next);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_GT(*id, 9);
}

}  // namespace
}  // namespace peerapi::store::test
