// The audit log and count_by_status of the Store contract (store/audit.hpp), for every backend
// instantiated in this binary (sqlite_store_test.cpp, postgres_store_test.cpp).
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "store/store_contract.hpp"

namespace peerapi::store::test {
namespace {

using model::SessionStatus;
constexpr std::int64_t kNow = 1'700'000'000'000;

model::Asn asn(std::uint32_t number) {
  return *model::Asn::from_number(number);
}

AuditEntry entry(std::int64_t at_ms, std::vector<model::Asn> asns,
                 std::string action = "create_sessions") {
  AuditEntry e;
  e.at_ms = at_ms;
  e.source_address = "198.51.100.7";
  e.subject = "noc@as64501.example";
  e.email = "noc@as64501.example";
  e.issuer = "https://idp.example";
  e.asns = std::move(asns);
  e.action = std::move(action);
  e.request_id = "0190a5c4-0000-7000-8000-000000000001";
  e.client_request_id = "5b0e8c9e-0000-4000-8000-000000000002";
  e.session_ids = {"0190a5c4-0000-7000-8000-00000000000a", "0190a5c4-0000-7000-8000-00000000000b"};
  e.status = 200;
  e.decision = "partially_accepted";
  e.reasons = {"sessions[1].local_ip:ip_not_at_location"};
  return e;
}

/// An AuditQuery with some members set (designated initializers would have to list them all).
struct Q {
  AuditQuery query;
  Q& asn(model::Asn value) {
    query.asn = value;
    return *this;
  }
  Q& since_ms(std::int64_t value) {
    query.since_ms = value;
    return *this;
  }
  Q& until_ms(std::int64_t value) {
    query.until_ms = value;
    return *this;
  }
  Q& limit(int value) {
    query.limit = value;
    return *this;
  }
  Q& after_id(std::int64_t value) {
    query.after_id = value;
    return *this;
  }
  Q& newest_first(bool value) {
    query.newest_first = value;
    return *this;
  }
  operator AuditQuery() const { return query; }  // NOLINT(google-explicit-constructor)
};

std::vector<std::int64_t> ids_of(const std::vector<AuditEntry>& entries) {
  std::vector<std::int64_t> ids;
  for (const auto& e : entries)
    ids.push_back(e.id);
  return ids;
}

TEST_P(StoreContractTest, AuditEntryReadsBackExactly) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  AuditEntry written = entry(kNow, {asn(64502), asn(64501)});
  // Texts the list encoding must carry through: separators, escapes, an empty element.
  written.reasons = {"a\nb", "back\\slash", "", "\\n", "\\e"};
  auto id = store->append_audit(written);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_GT(*id, 0);

  store = open_store();  // durable across reopening
  ASSERT_NE(store, nullptr);
  auto listed = store->list_audit(AuditQuery{});
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  AuditEntry expected = written;
  expected.id = *id;
  expected.asns = {asn(64501), asn(64502)};  // stored ascending
  EXPECT_EQ(listed->front(), expected);
}

TEST_P(StoreContractTest, AuditEmptyListsAndSingleEmptyElementsRoundTrip) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  AuditEntry none = entry(kNow, {});
  none.session_ids = {};
  none.reasons = {};
  none.subject = "";
  none.status = 0;
  AuditEntry one_empty = entry(kNow + 1, {asn(64501)});
  one_empty.session_ids = {""};
  ASSERT_TRUE(store->append_audit(none).has_value());
  ASSERT_TRUE(store->append_audit(one_empty).has_value());
  auto listed = store->list_audit(AuditQuery{});
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_TRUE((*listed)[0].asns.empty());
  EXPECT_TRUE((*listed)[0].session_ids.empty());
  EXPECT_TRUE((*listed)[0].reasons.empty());
  EXPECT_EQ((*listed)[0].status, 0);
  EXPECT_EQ((*listed)[1].session_ids, std::vector<std::string>{""});
}

TEST_P(StoreContractTest, AuditRefusesBadEntries) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  struct Row {
    const char* name;
    void (*damage)(AuditEntry&);
    const char* field;
  };
  const Row rows[] = {
      {"no action", [](AuditEntry& e) { e.action.clear(); }, "action"},
      {"no decision", [](AuditEntry& e) { e.decision.clear(); }, "decision"},
      {"negative time", [](AuditEntry& e) { e.at_ms = -1; }, "at_ms"},
      {"NUL in subject", [](AuditEntry& e) { e.subject = std::string("a\0b", 3); }, "subject"},
      {"NUL in a reason", [](AuditEntry& e) { e.reasons.push_back(std::string("\0", 1)); },
       "reasons[1]"},
      {"NUL in a session id", [](AuditEntry& e) { e.session_ids[0] = std::string("\0", 1); },
       "session_ids[0]"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    AuditEntry bad = entry(kNow, {asn(64501)});
    row.damage(bad);
    auto appended = store->append_audit(bad);
    ASSERT_FALSE(appended.has_value());
    EXPECT_EQ(appended.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(appended.error().field, row.field);
  }
  auto listed = store->list_audit(AuditQuery{});
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->empty());
}

TEST_P(StoreContractTest, AuditRefusesBadQueries) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  struct Row {
    const char* name;
    AuditQuery query;
    ErrorCode code;
    const char* field;
  };
  const Row rows[] = {
      {"limit 0", Q().limit(0), ErrorCode::out_of_range, "limit"},
      {"limit above the maximum", Q().limit(kMaxAuditLimit + 1), ErrorCode::out_of_range, "limit"},
      {"until before since", Q().since_ms(kNow).until_ms(kNow - 1), ErrorCode::invalid_value,
       "until_ms"},
      {"until equal to since", Q().since_ms(kNow).until_ms(kNow), ErrorCode::invalid_value,
       "until_ms"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto listed = store->list_audit(row.query);
    ASSERT_FALSE(listed.has_value());
    EXPECT_EQ(listed.error().code, row.code);
    EXPECT_EQ(listed.error().field, row.field);
  }
  EXPECT_TRUE(store->list_audit(Q().limit(kMaxAuditLimit)).has_value());
}

TEST_P(StoreContractTest, AuditFiltersByAsnAndTimeAndPagesById) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  // Entry i at kNow + i minutes; ASNs: even i 64501, odd i 64502, every third also 64503.
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 12; ++i) {
    std::vector<model::Asn> asns{asn(i % 2 == 0 ? 64501 : 64502)};
    if (i % 3 == 0)
      asns.push_back(asn(64503));
    auto id = store->append_audit(entry(kNow + i * 60'000, asns));
    ASSERT_TRUE(id.has_value()) << id.error().message;
    if (!ids.empty()) {
      EXPECT_GT(*id, ids.back());
    }
    ids.push_back(*id);
  }
  auto pick = [&](std::initializer_list<int> indexes) {
    std::vector<std::int64_t> out;
    for (int i : indexes)
      out.push_back(ids[static_cast<std::size_t>(i)]);
    return out;
  };
  struct Row {
    const char* name;
    AuditQuery query;
    std::vector<std::int64_t> expected;
  };
  const Row rows[] = {
      {"everything", AuditQuery{}, ids},
      {"asn 64501", Q().asn(asn(64501)), pick({0, 2, 4, 6, 8, 10})},
      {"asn 64503 (second ASN of an entry)", Q().asn(asn(64503)), pick({0, 3, 6, 9})},
      {"asn nobody has", Q().asn(asn(64999)), {}},
      {"since (inclusive)", Q().since_ms(kNow + 9 * 60'000), pick({9, 10, 11})},
      {"until (exclusive)", Q().until_ms(kNow + 2 * 60'000), pick({0, 1})},
      {"window and asn", Q().asn(asn(64502)).since_ms(kNow + 60'000).until_ms(kNow + 6 * 60'000),
       pick({1, 3, 5})},
      {"limit", Q().limit(3), pick({0, 1, 2})},
      {"after_id", Q().limit(3).after_id(ids[4]), pick({5, 6, 7})},
      {"after_id with asn", Q().asn(asn(64501)).limit(2).after_id(ids[4]), pick({6, 8})},
      {"newest first", Q().limit(3).newest_first(true), pick({9, 10, 11})},
      {"newest of an asn", Q().asn(asn(64503)).limit(2).newest_first(true), pick({6, 9})},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto listed = store->list_audit(row.query);
    ASSERT_TRUE(listed.has_value()) << listed.error().message;
    EXPECT_EQ(ids_of(*listed), row.expected);
  }

  // Paging two at a time visits every entry of an ASN once, in order.
  std::vector<std::int64_t> paged;
  AuditQuery page = Q().asn(asn(64502)).limit(2);
  for (int guard = 0; guard < 20; ++guard) {
    auto listed = store->list_audit(page);
    ASSERT_TRUE(listed.has_value());
    if (listed->empty())
      break;
    for (const auto& e : *listed)
      paged.push_back(e.id);
    page.after_id = listed->back().id;
  }
  EXPECT_EQ(paged, pick({1, 3, 5, 7, 9, 11}));
}

TEST_P(StoreContractTest, CountByStatusCountsEverySession) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto empty = store->count_by_status();
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_TRUE(empty->empty());

  RequestDraft d = draft(64501, 1, 4, kNow);
  d.candidates[3].status = SessionStatus::pending;
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const SessionStatus from_approved[] = {SessionStatus::approved};
  ASSERT_TRUE(store
                  ->transition(d.candidates[0].session_id, from_approved, SessionStatus::deleted,
                               "test", "", kNow + 1)
                  .has_value());
  auto counts = store->count_by_status();
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  const std::map<SessionStatus, std::int64_t> expected{
      {SessionStatus::approved, 2}, {SessionStatus::pending, 1}, {SessionStatus::deleted, 1}};
  EXPECT_EQ(*counts, expected);
}

// RequestDraft::audit: the entry goes into the request's own transaction, with the answer the
// AnswerBuilder built; replays and conflicts write nothing, so they append nothing.
TEST_P(StoreContractTest, CreatedRequestAppendsItsAuditEntryInTheSameTransaction) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64501, 1, 2, kNow);
  d.client_request_id = model::Uuid::parse("5b0e8c9e-0000-4000-8000-000000000002", "id").value();
  std::vector<int> statuses_seen;
  d.audit = [&](const StoredAnswer& answer) {
    statuses_seen.push_back(answer.http_status);
    AuditEntry e = entry(kNow, {asn(64501)});
    e.request_id = d.request_id.to_string();
    e.reasons = {answer.body};
    return e;
  };
  auto created = store->create_request(d, describe_duplicates());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  ASSERT_EQ(created->kind, CreateOutcome::Kind::created);
  ASSERT_TRUE(created->audit_id.has_value());
  EXPECT_EQ(statuses_seen, std::vector<int>{200});

  auto replayed = store->create_request(d, describe_duplicates());
  ASSERT_TRUE(replayed.has_value()) << replayed.error().message;
  EXPECT_EQ(replayed->kind, CreateOutcome::Kind::replayed);
  EXPECT_FALSE(replayed->audit_id.has_value());
  EXPECT_EQ(statuses_seen.size(), 1u) << "no entry is built for a replay";

  auto listed = store->list_audit(AuditQuery{});
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, *created->audit_id);
  EXPECT_EQ(listed->front().request_id, d.request_id.to_string());
  EXPECT_EQ(listed->front().reasons, std::vector<std::string>{created->answer.body});
}

// An entry the log refuses fails the whole request: no session without its audit entry.
TEST_P(StoreContractTest, RefusedAuditEntryStoresNothingOfTheRequest) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64501, 1, 2, kNow);
  d.audit = [&](const StoredAnswer&) {
    AuditEntry e = entry(kNow, {asn(64501)});
    e.action.clear();
    return e;
  };
  auto created = store->create_request(d, describe_duplicates());
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(created.error().field, "action");
  for (const model::Session& candidate : d.candidates) {
    auto stored = store->get_session(candidate.session_id);
    ASSERT_TRUE(stored.has_value());
    EXPECT_FALSE(stored->has_value()) << "no session of the failed request is stored";
  }
  auto listed = store->list_audit(AuditQuery{});
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->empty());

  d.audit = [&](const StoredAnswer&) -> AuditEntry { throw std::runtime_error("boom"); };
  created = store->create_request(d, describe_duplicates());
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::internal);
  auto page = store->list_sessions(asn(64501), std::nullopt, std::nullopt, 10);
  ASSERT_TRUE(page.has_value());
  EXPECT_TRUE(page->sessions.empty());
}

// Store::transition's audit_if_moved: appended with the move, and only when the session moves.
TEST_P(StoreContractTest, TransitionAppendsItsAuditEntryOnlyWhenTheSessionMoves) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64501, 1, 1, kNow);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const model::Uuid id = d.candidates[0].session_id;
  const SessionStatus from_approved[] = {SessionStatus::approved};
  AuditEntry deleted = entry(kNow + 1, {asn(64501)}, "delete_session");
  deleted.session_ids = {id.to_string()};
  deleted.decision = "deleted";

  AuditEntry bad = deleted;
  bad.decision.clear();
  auto refused =
      store->transition(id, from_approved, SessionStatus::deleted, "test", "", kNow + 1, &bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "decision");
  auto still = store->get_session(id);
  ASSERT_TRUE(still.has_value() && still->has_value());
  EXPECT_EQ((*still)->status, SessionStatus::approved) << "a refused entry moves nothing";

  auto moved =
      store->transition(id, from_approved, SessionStatus::deleted, "test", "", kNow + 1, &deleted);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  ASSERT_TRUE(moved->has_value());
  auto again =
      store->transition(id, from_approved, SessionStatus::deleted, "test", "", kNow + 2, &deleted);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(again->has_value());

  auto listed = store->list_audit(AuditQuery{});
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u) << "one entry: the move that happened";
  AuditEntry expected = deleted;
  expected.id = listed->front().id;
  EXPECT_EQ(listed->front(), expected);
}

// [audit] retention_days: purge_audit deletes the oldest entries before a time, in batches,
// and the ASN filter no longer finds them.
TEST_P(StoreContractTest, PurgeAuditDeletesTheOldestEntriesInBatches) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 10; ++i)  // at kNow + 0 .. kNow + 9, alternating ASNs
    ASSERT_TRUE(store->append_audit(entry(kNow + i, {asn(64501 + (i % 2)), asn(64600)})));

  auto bad = store->purge_audit(kNow + 100, 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::out_of_range);
  EXPECT_EQ(bad.error().field, "max_rows");

  auto first = store->purge_audit(kNow + 6, 4);  // six are older; four go now
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(*first, 4);
  auto second = store->purge_audit(kNow + 6, 4);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(*second, 2);
  auto third = store->purge_audit(kNow + 6, 4);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(*third, 0);

  auto left = store->list_audit(Q().limit(100));
  ASSERT_TRUE(left.has_value()) << left.error().message;
  ASSERT_EQ(left->size(), 4u);
  for (const AuditEntry& e : *left)
    EXPECT_GE(e.at_ms, kNow + 6);
  auto by_asn = store->list_audit(Q().asn(asn(64600)).limit(100));
  ASSERT_TRUE(by_asn.has_value()) << by_asn.error().message;
  EXPECT_EQ(ids_of(*by_asn), ids_of(*left)) << "the ASN index lost the purged entries too";
  auto odd = store->list_audit(Q().asn(asn(64502)).limit(100));
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->size(), 2u);  // kNow + 7 and kNow + 9
}

// A rough figure, not a timed assertion: the cost of one audit append (each its own commit,
// as the server makes them). Printed for docs/operations.md.
TEST_P(StoreContractTest, AuditAppendCostIsReported) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  constexpr int kAppends = 1000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kAppends; ++i) {
    auto id = store->append_audit(entry(kNow + i, {asn(64501)}));
    ASSERT_TRUE(id.has_value()) << id.error().message;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  std::printf("[ figure ] %s: %d sequential audit appends in %.1f ms (%.1f us each)\n",
              GetParam().name.c_str(), kAppends, static_cast<double>(elapsed.count()) / 1000.0,
              static_cast<double>(elapsed.count()) / kAppends);
  auto listed = store->list_audit(Q().limit(kMaxAuditLimit));
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), static_cast<std::size_t>(kAppends));
}

}  // namespace
}  // namespace peerapi::store::test
