// The audit entries the handlers append with their own store write (store::RequestDraft::audit,
// Store::transition's audit_if_moved): exactly one per call, and the same entry the recorder
// derives from the JSON answer (audit_entry_for), which the other calls still go through.
#include <gtest/gtest.h>

#include "server/api_fixture.hpp"
#include "server/audit_recorder.hpp"

namespace peerapi::testing {
namespace {

std::string wrap(const std::string& sessions, std::string_view extra = "") {
  return R"({"sessions":[)" + sessions + "]" + std::string(extra) + "}";
}

std::vector<store::AuditEntry> audit_log(ApiFixture& api) {
  auto listed = api.store().list_audit(store::AuditQuery{});
  EXPECT_TRUE(listed.has_value()) << listed.error().message;
  return listed ? *listed : std::vector<store::AuditEntry>{};
}

/// What audit_entry_for reads from `response`: the fields the handler now sets from values.
void expect_same_as_parsed(const store::AuditEntry& stored, std::string_view action,
                           const server::HttpResponse& response) {
  server::HttpRequest request;
  const store::AuditEntry parsed = server::audit_entry_for(
      request, server::AuditCall{action, nullptr, nullptr, {}}, response, stored.at_ms);
  EXPECT_EQ(stored.action, action);
  EXPECT_EQ(stored.request_id, parsed.request_id);
  EXPECT_EQ(stored.client_request_id, parsed.client_request_id);
  EXPECT_EQ(stored.session_ids, parsed.session_ids);
  EXPECT_EQ(stored.status, parsed.status);
  EXPECT_EQ(stored.decision, parsed.decision);
  EXPECT_EQ(stored.reasons, parsed.reasons);
  EXPECT_EQ(stored.subject, "noc@as64501.example");
  EXPECT_EQ(stored.asns, std::vector<model::Asn>{*model::Asn::from_number(64501)});
}

TEST(AuditInTransaction, CreateAnswersGiveTheSameEntryAsParsingTheAnswer) {
  struct Row {
    std::string name;
    std::string body;
    int status;
    std::string_view decision;
  };
  const std::string bad_ip = session_v4(R"(,"local_ip":"192.0.2.99")");
  const std::vector<Row> rows = {
      {"accepted", wrap(session_v4()), 200, "accepted"},
      {"partially accepted, with a client request id",
       wrap(session_v6() + "," + bad_ip, R"(,"request_id":"5b0e8c9e-0000-4000-8000-000000000002")"),
       200, "partially_accepted"},
      {"all rejected: duplicates of live sessions", wrap(session_v4() + "," + session_v6()), 422,
       "rejected"},
  };
  ApiFixture api;
  std::size_t expected_entries = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const std::uint64_t recorded_before = api.api().audit().recorded();
    const server::HttpResponse response = api.call("POST", "/sessions", row.body);
    ASSERT_EQ(response.status, row.status) << response.body;
    ++expected_entries;
    EXPECT_EQ(api.api().audit().recorded(), recorded_before + 1);
    const auto entries = audit_log(api);
    ASSERT_EQ(entries.size(), expected_entries) << "one entry per call, none twice";
    EXPECT_EQ(entries.back().decision, row.decision);
    expect_same_as_parsed(entries.back(), "create_sessions", response);
  }
  EXPECT_EQ(api.api().audit().failures(), 0u);
}

// A replay writes nothing of its own, so the recorder appends its entry from the answer.
TEST(AuditInTransaction, ReplayIsStillRecordedOnce) {
  ApiFixture api;
  const std::string body =
      wrap(session_v4(), R"(,"request_id":"5b0e8c9e-0000-4000-8000-000000000003")");
  const server::HttpResponse first = api.call("POST", "/sessions", body);
  ASSERT_EQ(first.status, 200) << first.body;
  const server::HttpResponse replayed = api.call("POST", "/sessions", body);
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(replayed.body, first.body);
  const auto entries = audit_log(api);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].request_id, entries[0].request_id);
  expect_same_as_parsed(entries[1], "create_sessions", replayed);
}

TEST(AuditInTransaction, DeleteIsRecordedWithTheMoveAndAgainWhenRepeated) {
  ApiFixture api;
  const server::HttpResponse created = api.call("POST", "/sessions", wrap(session_v4()));
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id(
      ApiFixture::parse(created).at("sessions").at(0).at("session_id").as_string());
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second deletes nothing: still 204
    SCOPED_TRACE(attempt);
    const server::HttpResponse deleted = api.call("DELETE", "/sessions/" + id);
    ASSERT_EQ(deleted.status, 204) << deleted.body;
    const auto entries = audit_log(api);
    ASSERT_EQ(entries.size(), static_cast<std::size_t>(2 + attempt));
    const store::AuditEntry& entry = entries.back();
    EXPECT_EQ(entry.action, "delete_session");
    EXPECT_EQ(entry.session_ids, std::vector<std::string>{id});
    EXPECT_EQ(entry.status, 204);
    EXPECT_EQ(entry.decision, "deleted");
    EXPECT_TRUE(entry.reasons.empty());
    EXPECT_EQ(entry.subject, "noc@as64501.example");
  }
}

}  // namespace
}  // namespace peerapi::testing
