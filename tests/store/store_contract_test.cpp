// The Store contract (src/store/store.hpp), for every backend instantiated in this binary.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include "store/store_contract.hpp"

namespace peerapi::store::test {
namespace {

using model::SessionStatus;
constexpr std::int64_t kNow = 1'700'000'000'000;

// All sessions of `asn` (optionally of one request), paging `page_size` at a time.
std::vector<model::Session> list_all(Store& store, std::uint32_t asn, int page_size = 100,
                                     const std::optional<model::Uuid>& request_id = {}) {
  std::vector<model::Session> all;
  std::optional<std::int64_t> after;
  for (int guard = 0; guard < 100000; ++guard) {
    auto page = store.list_sessions(*model::Asn::from_number(asn), request_id, after, page_size);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    if (!page)
      break;
    for (auto& s : page->sessions)
      all.push_back(std::move(s));
    if (!page->next_after)
      break;
    after = page->next_after;
  }
  return all;
}

std::vector<model::Uuid> list_all_ids(Store& store, std::uint32_t asn, int page_size) {
  std::vector<model::Uuid> ids;
  for (const auto& s : list_all(store, asn, page_size))
    ids.push_back(s.session_id);
  return ids;
}

TEST_P(StoreContractTest, CreatedSessionsReadBackExactly) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64500, 1, 2, kNow);
  d.client_request_id = new_uuid();
  d.return_url = "https://peer.example/callback";
  // The second candidate exercises every non-default field.
  auto& f = d.candidates[1].fields;
  f.local_ip = *model::IpAddress::parse("2001:db8::a");
  f.peer_ip = *model::IpAddress::parse("2001:db8::1");
  f.local_bgp_role = model::BgpRole::customer;
  f.peer_bgp_role = model::BgpRole::provider;
  f.local_insert_asn = false;
  f.peer_monitoring_session = true;
  f.session_secret = *model::SessionSecret::parse("s3cr3t-key!", "session_secret");
  f.location = model::LocationId::fac(77);
  f.peer_type = model::LocationType::private_peering;
  d.candidates[1].status = SessionStatus::pending;

  std::vector<bool> seen;
  auto outcome = store->create_request(d, describe_duplicates(&seen));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_EQ(outcome->kind, CreateOutcome::Kind::created);
  EXPECT_EQ(outcome->answer.http_status, 200);
  EXPECT_EQ(outcome->answer.body, "dup=00");
  EXPECT_EQ(seen, (std::vector<bool>{false, false}));

  for (auto expected : d.candidates) {
    expected.created_at_ms = kNow;
    expected.updated_at_ms = kNow;
    auto got = store->get_session(expected.session_id);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    ASSERT_TRUE(got->has_value());
    expect_same_session(**got, expected);
  }
  auto missing = store->get_session(new_uuid());
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(*store->count_sessions(), 2);
  EXPECT_TRUE(store->ping().has_value());
}

TEST_P(StoreContractTest, LiveCountsReviewQueueAndCreationNotes) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64501, 10, 4);
  d.candidates[1].status = SessionStatus::pending;
  d.candidates[2].status = SessionStatus::pending;
  d.candidates[3].fields.location = model::LocationId::ix(2);
  d.creation_notes = {"policy accept", "policy review: peering_policy: Selective"};
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  ASSERT_TRUE(store->create_request(draft(64502, 50, 1), describe_duplicates()).has_value());

  auto counts = store->live_session_counts(*model::Asn::from_number(64501));
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  const std::string ix1 = d.candidates[0].fields.location.to_string();
  EXPECT_EQ(counts->size(), ix1 == "pdb:ix:2" ? 1u : 2u);
  EXPECT_EQ(counts->at("pdb:ix:2"), ix1 == "pdb:ix:2" ? 4u : 1u);
  auto none = store->live_session_counts(*model::Asn::from_number(64510));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());

  // Deleted sessions stop counting.
  const SessionStatus from[] = {SessionStatus::approved};
  ASSERT_TRUE(
      store->transition(d.candidates[0].session_id, from, SessionStatus::deleted, "t", "", 1)
          .has_value());
  std::size_t live = 0;
  auto after_delete = store->live_session_counts(*model::Asn::from_number(64501));
  ASSERT_TRUE(after_delete.has_value());
  for (const auto& [location, n] : *after_delete)
    live += n;
  EXPECT_EQ(live, 3u);

  auto page = store->sessions_with_status(SessionStatus::pending, std::nullopt, 1);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(page->sessions[0].session_id, d.candidates[1].session_id);
  ASSERT_TRUE(page->next_after.has_value());
  auto rest = store->sessions_with_status(SessionStatus::pending, page->next_after, 10);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->sessions.size(), 1u);
  EXPECT_EQ(rest->sessions[0].session_id, d.candidates[2].session_id);
  EXPECT_FALSE(rest->next_after.has_value());
  EXPECT_FALSE(store->sessions_with_status(SessionStatus::pending, std::nullopt, 0).has_value());

  auto history = store->history(d.candidates[1].session_id);
  ASSERT_TRUE(history.has_value());
  ASSERT_FALSE(history->empty());
  EXPECT_EQ(history->front().note, "policy review: peering_policy: Selective");
  auto plain = store->history(d.candidates[2].session_id);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->front().note, "") << "no note given";
}

TEST_P(StoreContractTest, SessionsAreCountedPerRequesterAndStatus) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64501, 10, 3);
  d.candidates[0].status = SessionStatus::pending;
  d.candidates[1].status = SessionStatus::pending;
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  RequestDraft other = draft(64502, 50, 1);
  other.candidates[0].status = SessionStatus::pending;
  ASSERT_TRUE(store->create_request(other, describe_duplicates()).has_value());
  const auto as64501 = *model::Asn::from_number(64501);
  EXPECT_EQ(store->count_sessions_with_status(as64501, SessionStatus::pending), 2);
  EXPECT_EQ(store->count_sessions_with_status(as64501, SessionStatus::approved), 1);
  EXPECT_EQ(
      store->count_sessions_with_status(*model::Asn::from_number(64502), SessionStatus::pending),
      1);
  EXPECT_EQ(
      store->count_sessions_with_status(*model::Asn::from_number(64510), SessionStatus::pending),
      0);
  const SessionStatus from[] = {SessionStatus::pending};
  ASSERT_TRUE(
      store->transition(d.candidates[0].session_id, from, SessionStatus::approved, "t", "", 1)
          .has_value());
  EXPECT_EQ(store->count_sessions_with_status(as64501, SessionStatus::pending), 1);
}

// RequestDraft::max_pending_per_local_asn: stored pending sessions plus this draft's earlier
// pending candidates; approved candidates, duplicates and other ASNs do not count.
TEST_P(StoreContractTest, PendingCapFlagsTheCandidatesBeyondIt) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft first = draft(64501, 10, 2);
  for (auto& candidate : first.candidates)
    candidate.status = SessionStatus::pending;
  ASSERT_TRUE(store->create_request(first, describe_duplicates()).has_value());

  RequestDraft d = draft(64501, 20, 4);
  d.candidates.push_back(first.candidates[0]);  // a duplicate: flagged as such, not counted
  d.candidates.back().session_id = new_uuid();
  d.candidates.push_back(candidate(d.request_id, 64502, 30));  // another ASN
  for (auto& candidate : d.candidates)
    candidate.status = SessionStatus::pending;
  d.candidates[1].status = SessionStatus::approved;  // approved: never capped
  d.max_pending_per_local_asn = 4;                   // two stored: room for two more
  auto created = store->create_request(d, describe_duplicates());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->answer.body, "dup=000c10");
  const auto as64501 = *model::Asn::from_number(64501);
  EXPECT_EQ(store->count_sessions_with_status(as64501, SessionStatus::pending), 4);
  auto over = store->get_session(d.candidates[3].session_id);
  ASSERT_TRUE(over.has_value());
  EXPECT_FALSE(over->has_value()) << "the candidate over the cap is not stored";
  EXPECT_EQ(
      store->count_sessions_with_status(*model::Asn::from_number(64502), SessionStatus::pending),
      1);
}

// The cap is counted inside the write transaction: requests racing from many threads never
// leave more pending sessions than the cap.
TEST_P(StoreContractTest, PendingCapHoldsUnderConcurrentRequests) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  constexpr std::int64_t kCap = 7;
  std::vector<std::vector<RequestDraft>> drafts(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      RequestDraft d = draft(64501, static_cast<std::uint32_t>(100 + t * kPerThread + i), 1);
      d.candidates[0].status = SessionStatus::pending;
      d.max_pending_per_local_asn = kCap;
      drafts[static_cast<std::size_t>(t)].push_back(std::move(d));
    }
  }
  std::atomic<int> failures{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (const RequestDraft& d : drafts[static_cast<std::size_t>(t)]) {
        if (!store->create_request(d, describe_duplicates()).has_value())
          failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(
      store->count_sessions_with_status(*model::Asn::from_number(64501), SessionStatus::pending),
      kCap);
}

TEST_P(StoreContractTest, ListPagesInInsertionOrderPerAsnAndRequest) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  std::vector<model::Uuid> expected_order;
  std::vector<RequestDraft> drafts;
  for (int r = 0; r < 3; ++r) {
    drafts.push_back(draft(64500, static_cast<std::uint32_t>(100 * r), r == 2 ? 5 : 10));
    ASSERT_TRUE(store->create_request(drafts.back(), describe_duplicates()).has_value());
    for (const auto& c : drafts.back().candidates)
      expected_order.push_back(c.session_id);
    ASSERT_TRUE(store
                    ->create_request(draft(64501, static_cast<std::uint32_t>(1000 + 10 * r), 2),
                                     describe_duplicates())
                    .has_value());
  }

  const auto asn = *model::Asn::from_number(64500);
  std::vector<int> page_sizes;
  std::vector<model::Uuid> listed;
  std::optional<std::int64_t> after;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store->list_sessions(asn, std::nullopt, after, 10);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    page_sizes.push_back(static_cast<int>(page->sessions.size()));
    for (const auto& s : page->sessions) {
      EXPECT_EQ(s.fields.local_asn, asn);
      listed.push_back(s.session_id);
    }
    if (!page->next_after)
      break;
    after = page->next_after;
  }
  EXPECT_EQ(page_sizes, (std::vector<int>{10, 10, 5}));
  EXPECT_EQ(listed, expected_order);

  // An exact fit has no next page.
  auto exact = store->list_sessions(asn, std::nullopt, std::nullopt, 25);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->sessions.size(), 25u);
  EXPECT_FALSE(exact->next_after.has_value());

  auto of_request = list_all(*store, 64500, 3, drafts[1].request_id);
  ASSERT_EQ(of_request.size(), 10u);
  for (std::size_t i = 0; i < of_request.size(); ++i)
    EXPECT_EQ(of_request[i].session_id, drafts[1].candidates[i].session_id);
  // A request of another ASN lists nothing for this one.
  EXPECT_TRUE(list_all(*store, 64501, 100, drafts[1].request_id).empty());

  EXPECT_EQ(store->list_sessions(asn, std::nullopt, std::nullopt, 0).error().code,
            ErrorCode::out_of_range);
}

TEST_P(StoreContractTest, PagesHaveNoDuplicatesOrGapsUnderConcurrentInserts) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create_request(draft(64500, 0, 20), describe_duplicates()).has_value());

  // Drafts are built here: the fixture's helpers are not meant for several threads.
  std::vector<RequestDraft> drafts;
  for (int i = 0; i < 60; ++i)
    drafts.push_back(draft(64500, static_cast<std::uint32_t>(1000 + 3 * i), 3));
  std::atomic<bool> writer_done{false};
  std::atomic<int> writer_failures{0};
  std::thread writer([&] {
    for (const auto& d : drafts) {
      if (!store->create_request(d, describe_duplicates()))
        ++writer_failures;
    }
    writer_done = true;
  });

  // Complete traversals (until a page without next_after) while the writer inserts: each
  // must be a prefix of the final order, with no duplicates and no gaps.
  std::vector<std::vector<model::Uuid>> traversals;
  for (int guard = 0; guard < 10000 && !writer_done.load(); ++guard) {
    traversals.push_back(list_all_ids(*store, 64500, 7));
  }
  writer.join();
  EXPECT_EQ(writer_failures.load(), 0);

  const auto everything = list_all(*store, 64500, 100);
  ASSERT_EQ(everything.size(), 20u + 60u * 3u);
  std::vector<model::Uuid> expected;
  for (const auto& s : everything)
    expected.push_back(s.session_id);
  traversals.push_back(list_all_ids(*store, 64500, 7));
  std::size_t previous_length = 0;
  for (const auto& seen : traversals) {
    ASSERT_GE(seen.size(), 20u);
    ASSERT_LE(seen.size(), expected.size());
    EXPECT_TRUE(std::equal(seen.begin(), seen.end(), expected.begin()));
    EXPECT_GE(seen.size(), previous_length);  // a later traversal never sees less
    previous_length = seen.size();
  }
  EXPECT_EQ(traversals.back(), expected);
}

TEST_P(StoreContractTest, ClientRequestIdReplaysOrConflictsPerSubject) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft first = draft(64500, 1, 2);
  first.client_request_id = new_uuid();
  first.body_hash = "aaaa";
  auto created = store->create_request(first, describe_duplicates());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  ASSERT_EQ(created->kind, CreateOutcome::Kind::created);

  // Same client id and body: the stored answer, nothing new (even with new candidate ids).
  RequestDraft again = draft(64500, 50, 2);
  again.client_request_id = first.client_request_id;
  again.body_hash = "aaaa";
  bool builder_called = false;
  auto replayed = store->create_request(again, [&](const CandidateChecks&) {
    builder_called = true;
    return StoredAnswer{500, "must not be stored"};
  });
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(replayed->kind, CreateOutcome::Kind::replayed);
  EXPECT_EQ(replayed->answer.http_status, created->answer.http_status);
  EXPECT_EQ(replayed->answer.body, created->answer.body);
  EXPECT_FALSE(builder_called);
  EXPECT_EQ(*store->count_sessions(), 2);

  // Same client id, other body: conflict, nothing written.
  again.body_hash = "bbbb";
  auto conflict = store->create_request(again, describe_duplicates());
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->kind, CreateOutcome::Kind::conflict);
  EXPECT_EQ(*store->count_sessions(), 2);
  EXPECT_FALSE(store->get_session(again.candidates[0].session_id)->has_value());

  // The client id is scoped to the subject: another caller may use the same one.
  RequestDraft other = draft(64501, 100, 1);
  other.client_request_id = first.client_request_id;
  other.body_hash = "cccc";
  auto other_created = store->create_request(other, describe_duplicates());
  ASSERT_TRUE(other_created.has_value());
  EXPECT_EQ(other_created->kind, CreateOutcome::Kind::created);
  EXPECT_EQ(*store->count_sessions(), 3);

  // Requests without a client id never replay.
  RequestDraft anonymous = draft(64500, 200, 1);
  RequestDraft anonymous2 = draft(64500, 201, 1);
  EXPECT_EQ(store->create_request(anonymous, describe_duplicates())->kind,
            CreateOutcome::Kind::created);
  EXPECT_EQ(store->create_request(anonymous2, describe_duplicates())->kind,
            CreateOutcome::Kind::created);
}

TEST_P(StoreContractTest, LiveDuplicatesAreReportedAndDeletedSessionsFreeTheirTuple) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft original = draft(64500, 1, 1);
  ASSERT_TRUE(store->create_request(original, describe_duplicates()).has_value());

  // One duplicate of the live session, one new session.
  RequestDraft second = draft(64500, 1, 2);
  std::vector<bool> seen;
  auto outcome = store->create_request(second, describe_duplicates(&seen));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
  EXPECT_EQ(outcome->answer.body, "dup=10");
  EXPECT_FALSE(store->get_session(second.candidates[0].session_id)->has_value());
  EXPECT_TRUE(store->get_session(second.candidates[1].session_id)->has_value());
  EXPECT_EQ(list_all(*store, 64500, 100, second.request_id).size(), 1u);

  // The same tuple at another location, or from another ASN, is not a duplicate.
  RequestDraft elsewhere = draft(64500, 1, 1);
  elsewhere.candidates[0].fields.location = model::LocationId::ix(2);
  ASSERT_TRUE(store->create_request(elsewhere, describe_duplicates(&seen)).has_value());
  EXPECT_EQ(seen, (std::vector<bool>{false}));

  // An all-duplicate request is still stored with its answer.
  RequestDraft all_dup = draft(64500, 1, 1);
  all_dup.client_request_id = new_uuid();
  auto rejected = store->create_request(all_dup, describe_duplicates());
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->answer.http_status, 422);
  auto replay = store->create_request(all_dup, describe_duplicates());
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(replay->kind, CreateOutcome::Kind::replayed);
  EXPECT_EQ(replay->answer.http_status, 422);

  // Deleting the original frees the tuple.
  const SessionStatus live[] = {SessionStatus::approved};
  auto deleted = store->transition(original.candidates[0].session_id, live, SessionStatus::deleted,
                                   "subject-64500", "", kNow + 1);
  ASSERT_TRUE(deleted.has_value() && deleted->has_value());
  RequestDraft after_delete = draft(64500, 1, 1);
  ASSERT_TRUE(store->create_request(after_delete, describe_duplicates(&seen)).has_value());
  EXPECT_EQ(seen, (std::vector<bool>{false}));
  EXPECT_TRUE(store->get_session(after_delete.candidates[0].session_id)->has_value());
}

TEST_P(StoreContractTest, UniqueConstraintBackstopsDuplicatesWithinOneDraft) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft twins = draft(64500, 1, 2);
  twins.candidates[1].fields.local_ip = twins.candidates[0].fields.local_ip;
  twins.client_request_id = new_uuid();
  auto outcome = store->create_request(twins, describe_duplicates());
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, ErrorCode::duplicate_session);
  // Nothing of the request was stored: not its sessions, not its client id.
  EXPECT_EQ(*store->count_sessions(), 0);
  twins.candidates.pop_back();
  auto retried = store->create_request(twins, describe_duplicates());
  ASSERT_TRUE(retried.has_value()) << retried.error().message;
  EXPECT_EQ(retried->kind, CreateOutcome::Kind::created);
}

TEST_P(StoreContractTest, TransitionIsConditionalAndRecordsHistory) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64500, 1, 1, kNow);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const model::Uuid id = d.candidates[0].session_id;

  const SessionStatus pending_only[] = {SessionStatus::pending};
  auto refused = store->transition(id, pending_only, SessionStatus::rejected, "op", "", kNow + 5);
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->has_value());
  auto unknown =
      store->transition(new_uuid(), pending_only, SessionStatus::rejected, "op", "", kNow + 5);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_FALSE(unknown->has_value());

  const SessionStatus approved_or_pending[] = {SessionStatus::pending, SessionStatus::approved};
  auto moved = store->transition(id, approved_or_pending, SessionStatus::configured, "system",
                                 "pushed to bird", kNow + 10);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  ASSERT_TRUE(moved->has_value());
  EXPECT_EQ((*moved)->status, SessionStatus::configured);
  EXPECT_EQ((*moved)->updated_at_ms, kNow + 10);
  EXPECT_EQ((*moved)->created_at_ms, kNow);
  EXPECT_EQ((**store->get_session(id)).status, SessionStatus::configured);

  auto entries = store->history(id);
  ASSERT_TRUE(entries.has_value()) << entries.error().message;
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].session_id, id);
  EXPECT_FALSE((*entries)[0].from.has_value());
  EXPECT_EQ((*entries)[0].to, SessionStatus::approved);
  EXPECT_EQ((*entries)[0].actor, "subject-64500");
  EXPECT_EQ((*entries)[0].at_ms, kNow);
  EXPECT_EQ((*entries)[1].from, SessionStatus::approved);
  EXPECT_EQ((*entries)[1].to, SessionStatus::configured);
  EXPECT_EQ((*entries)[1].actor, "system");
  EXPECT_EQ((*entries)[1].note, "pushed to bird");
  EXPECT_EQ((*entries)[1].at_ms, kNow + 10);
  EXPECT_TRUE(store->history(new_uuid())->empty());
}

TEST_P(StoreContractTest, HistoryKeepsInsertionOrderEvenWhenClockGoesBack) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64500, 1, 1, kNow);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const model::Uuid id = d.candidates[0].session_id;
  const std::vector<SessionStatus> path = {SessionStatus::configured, SessionStatus::established,
                                           SessionStatus::down, SessionStatus::established,
                                           SessionStatus::deleted};
  SessionStatus current = SessionStatus::approved;
  std::int64_t at = kNow;
  for (std::size_t i = 0; i < path.size(); ++i) {
    at += (i == 2) ? -500 : 1000;  // a clock step backwards must not reorder history
    const SessionStatus from[] = {current};
    auto moved = store->transition(id, from, path[i], "actor" + std::to_string(i), "", at);
    ASSERT_TRUE(moved.has_value() && moved->has_value()) << i;
    current = path[i];
  }
  auto entries = store->history(id);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), path.size() + 1);
  SessionStatus previous = SessionStatus::approved;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const HistoryEntry& e = (*entries)[i + 1];
    EXPECT_EQ(e.from, previous) << i;
    EXPECT_EQ(e.to, path[i]) << i;
    EXPECT_EQ(e.actor, "actor" + std::to_string(i));
    previous = path[i];
  }
}

TEST_P(StoreContractTest, TransitionToLiveStatusCannotCreateADuplicate) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft first = draft(64500, 1, 1);
  ASSERT_TRUE(store->create_request(first, describe_duplicates()).has_value());
  const SessionStatus approved[] = {SessionStatus::approved};
  ASSERT_TRUE(store
                  ->transition(first.candidates[0].session_id, approved, SessionStatus::deleted,
                               "op", "", kNow)
                  ->has_value());
  RequestDraft second = draft(64500, 1, 1);
  ASSERT_TRUE(store->create_request(second, describe_duplicates()).has_value());

  const SessionStatus deleted[] = {SessionStatus::deleted};
  auto revived = store->transition(first.candidates[0].session_id, deleted, SessionStatus::approved,
                                   "op", "", kNow + 1);
  ASSERT_FALSE(revived.has_value());
  EXPECT_EQ(revived.error().code, ErrorCode::duplicate_session);
  EXPECT_EQ((**store->get_session(first.candidates[0].session_id)).status, SessionStatus::deleted);
  EXPECT_EQ(store->history(first.candidates[0].session_id)->size(), 2u);
}

TEST_P(StoreContractTest, ConcurrentTransitionsHaveExactlyOneWinner) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  constexpr int kSessions = 10;
  constexpr int kThreads = 8;
  RequestDraft d = draft(64500, 1, kSessions);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());

  for (const auto& c : d.candidates) {
    std::latch start(kThreads);
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const SessionStatus from[] = {SessionStatus::approved, SessionStatus::pending};
        start.arrive_and_wait();
        auto result = store->transition(c.session_id, from, SessionStatus::deleted,
                                        "thread" + std::to_string(t), "", kNow + t);
        if (!result)
          ++errors;
        else if (result->has_value())
          ++winners;
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(winners.load(), 1);
    auto entries = store->history(c.session_id);
    ASSERT_TRUE(entries.has_value());
    ASSERT_EQ(entries->size(), 2u);  // creation + the one winning transition
    EXPECT_EQ((*entries)[1].to, SessionStatus::deleted);
  }
}

TEST_P(StoreContractTest, ConcurrentReadersAndWritersAgree) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  std::vector<RequestDraft> drafts;
  for (int i = 0; i < 8; ++i)
    drafts.push_back(
        draft(64500 + static_cast<std::uint32_t>(i % 2), static_cast<std::uint32_t>(10 * i), 4));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const RequestDraft& mine = drafts[static_cast<std::size_t>(t)];
      if (!store->create_request(mine, describe_duplicates()))
        ++failures;
      for (int round = 0; round < 50; ++round) {
        for (const auto& c : mine.candidates) {
          auto got = store->get_session(c.session_id);
          if (!got || !got->has_value() || (**got).session_id != c.session_id)
            ++failures;
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store->count_sessions(), 32);
}

// Many writers at once (which a backend may commit together): each request is stored whole or
// not at all, independently of the others; the same client request id sent by several threads
// at once is created exactly once and replayed to the rest.
TEST_P(StoreContractTest, ConcurrentWritersAreIndependentAndIdempotent) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 12;
  constexpr int kPerThread = 20;
  std::vector<std::vector<RequestDraft>> work(kThreads);
  const model::Uuid shared_client_id = new_uuid();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const auto host = static_cast<std::uint32_t>(1000 * t + 10 * i);
      RequestDraft d = draft(64500 + static_cast<std::uint32_t>(t), host, 3);
      if (i % 5 == 4)  // every fifth request fails inside the store: twins in one draft
        d.candidates[2].fields.local_ip = d.candidates[0].fields.local_ip;
      work[static_cast<std::size_t>(t)].push_back(std::move(d));
    }
    // Plus one request per thread under the same subject and client request id.
    RequestDraft shared = draft(64499, 900'000 + static_cast<std::uint32_t>(3 * t), 3);
    shared.subject = "shared-subject";
    shared.client_request_id = shared_client_id;
    work[static_cast<std::size_t>(t)].push_back(std::move(shared));
  }
  std::atomic<int> unexpected{0};
  std::atomic<int> shared_created{0};
  std::atomic<int> shared_replayed_or_conflict{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto& mine = work[static_cast<std::size_t>(t)];
      for (std::size_t i = 0; i < mine.size(); ++i) {
        auto outcome = store->create_request(mine[i], describe_duplicates());
        if (mine[i].client_request_id) {
          if (outcome && outcome->kind == CreateOutcome::Kind::created)
            ++shared_created;
          else if (outcome)
            ++shared_replayed_or_conflict;
          else
            ++unexpected;
        } else if (i % 5 == 4) {
          if (outcome || outcome.error().code != ErrorCode::duplicate_session)
            ++unexpected;
        } else if (!outcome || outcome->kind != CreateOutcome::Kind::created) {
          ++unexpected;
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(shared_created.load(), 1);
  EXPECT_EQ(shared_replayed_or_conflict.load(), kThreads - 1);
  // 4 of every 5 requests stored with 3 sessions each, plus the one shared request.
  EXPECT_EQ(*store->count_sessions(), kThreads * (kPerThread * 4 / 5) * 3 + 3);
  for (const auto& mine : work) {
    for (std::size_t i = 0; i + 1 < mine.size(); ++i) {
      for (const auto& c : mine[i].candidates) {
        auto got = store->get_session(c.session_id);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(got->has_value(), i % 5 != 4) << "request " << i;
      }
    }
  }
}

TEST_P(StoreContractTest, OneTimeValuesAreAcceptedOnceUntilTheyExpire) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(*store->remember_once("dpop:jti-1", 2'000, 1'000));
  EXPECT_FALSE(*store->remember_once("dpop:jti-1", 2'000, 1'500)) << "a replay";
  EXPECT_TRUE(*store->remember_once("httpsig:jti-1", 2'000, 1'500)) << "keys are exact";
  EXPECT_TRUE(*store->remember_once("dpop:jti-1", 5'000, 2'000)) << "expired: usable again";
  EXPECT_FALSE(*store->remember_once("dpop:jti-1", 5'000, 4'999));
  EXPECT_EQ(store->remember_once("", 1, 0).error().code, ErrorCode::invalid_value);
  // Survives a reopen (another replica or a restart sees the value).
  store.reset();
  store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(*store->remember_once("dpop:jti-1", 5'000, 3'000));
}

TEST_P(StoreContractTest, SeveralOneTimeValuesAreSpentTogether) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const std::vector<OneTimeKey> request{{"dpop:a", 10'000}, {"httpsig:b", 10'000}};
  EXPECT_TRUE(*store->remember_all_once(request, 0));
  EXPECT_FALSE(*store->remember_all_once(request, 1));
  const std::vector<OneTimeKey> one_reused{{"dpop:c", 10'000}, {"httpsig:b", 10'000}};
  EXPECT_FALSE(*store->remember_all_once(one_reused, 2)) << "one replayed value refuses all";
  EXPECT_FALSE(*store->remember_once("dpop:c", 10'000, 3)) << "the fresh one was spent too";
  EXPECT_TRUE(*store->remember_all_once({}, 4));
  const std::vector<OneTimeKey> bad{{"", 1}};
  EXPECT_EQ(store->remember_all_once(bad, 5).error().code, ErrorCode::invalid_value);
}

TEST_P(StoreContractTest, ConcurrentUsesOfOneValueHaveExactlyOneWinner) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  for (int round = 0; round < 5; ++round) {
    const std::string key = "dpop:race-" + std::to_string(round);
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        auto first = store->remember_once(key, 1'000'000, 1'000);
        if (!first)
          ++errors;
        else if (*first)
          ++winners;
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(winners.load(), 1) << key;
  }
}

TEST_P(StoreContractTest, NamedSecretIsCreatedOnceAndSurvivesReopen) {
  std::string key;
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    std::vector<std::string> seen(6);
    std::vector<std::thread> threads;
    std::latch start(6);
    for (std::size_t t = 0; t < seen.size(); ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        auto secret = store->named_secret("pagination", 32);
        if (secret)
          seen[t] = *secret;
      });
    }
    for (auto& thread : threads)
      thread.join();
    key = seen[0];
    EXPECT_EQ(key.size(), 32u);
    for (const auto& s : seen)
      EXPECT_EQ(s, key);
    EXPECT_NE(key, std::string(32, '\0'));
    auto other = store->named_secret("other", 16);
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->size(), 16u);
    EXPECT_EQ(store->named_secret("x", 0).error().code, ErrorCode::invalid_value);
  }
  auto reopened = open_store();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(*reopened->named_secret("pagination", 32), key);
  EXPECT_EQ(*reopened->named_secret("pagination", 64), key);  // size applies at creation
}

TEST_P(StoreContractTest, DataSurvivesReopen) {
  RequestDraft d = draft(64500, 1, 3, kNow);
  d.client_request_id = new_uuid();
  d.candidates[2].fields.session_secret = *model::SessionSecret::parse("k3y", "session_secret");
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
    const SessionStatus approved[] = {SessionStatus::approved};
    ASSERT_TRUE(store
                    ->transition(d.candidates[0].session_id, approved, SessionStatus::configured,
                                 "system", "", kNow + 1)
                    ->has_value());
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->count_sessions(), 3);
  for (std::size_t i = 0; i < d.candidates.size(); ++i) {
    auto expected = d.candidates[i];
    expected.created_at_ms = kNow;
    expected.updated_at_ms = i == 0 ? kNow + 1 : kNow;
    if (i == 0)
      expected.status = SessionStatus::configured;
    auto got = store->get_session(expected.session_id);
    ASSERT_TRUE(got.has_value() && got->has_value());
    expect_same_session(**got, expected);
  }
  EXPECT_EQ(store->history(d.candidates[0].session_id)->size(), 2u);
  EXPECT_EQ(store->create_request(d, describe_duplicates())->kind, CreateOutcome::Kind::replayed);
}

// --- crash durability ---------------------------------------------------------------------

constexpr int kCrashSessionsPerRequest = 3;
constexpr std::uint32_t kCrashAsn = 64500;

model::Uuid crash_client_id(std::uint32_t index) {
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), &index, sizeof index);
  bytes[15] = 0xc7;
  return model::Uuid::v4_from_bytes(bytes);
}

// Request `index` of the crash test: its own client id and body hash, three sessions from
// distinct addresses, an answer naming the server request id.
RequestDraft crash_draft(std::uint32_t index, util::RandomSource& random) {
  RequestDraft d{.request_id = model::Uuid::v4_from_bytes(random.bytes16()),
                 .client_request_id = crash_client_id(index),
                 .subject = "crash-test",
                 .body_hash = "body-" + std::to_string(index),
                 .return_url = std::nullopt,
                 .now_ms = kNow + index,
                 .candidates = {},
                 .creation_notes = {},
                 .audit = {}};
  for (int j = 0; j < kCrashSessionsPerRequest; ++j) {
    d.candidates.push_back(model::Session{
        .session_id = model::Uuid::v4_from_bytes(random.bytes16()),
        .request_id = d.request_id,
        .fields =
            model::SessionRequest{
                .local_asn = *model::Asn::from_number(kCrashAsn),
                .local_ip = model::IpAddress::v4(0x0A000000u + index * kCrashSessionsPerRequest +
                                                 static_cast<std::uint32_t>(j)),
                .peer_asn = *model::Asn::from_number(64511),
                .peer_ip = *model::IpAddress::parse("192.0.2.1"),
                .session_secret = std::nullopt,
                .location = model::LocationId::ix(1),
            },
        .status = SessionStatus::approved,
    });
  }
  return d;
}

AnswerBuilder answer_with_request_id(const model::Uuid& request_id) {
  return [id = request_id.to_string()](const CandidateChecks&) { return StoredAnswer{200, id}; };
}

// Child process: creates requests until killed (or its bounds run out), writing each index to
// `ack_fd` only after create_request has returned. Never returns.
[[noreturn]] void crash_child(const StoreFactory& factory, const std::filesystem::path& dir,
                              int ack_fd) {
  util::SecureRandom random;
  auto store = factory(dir);
  if (store == nullptr)
    _exit(3);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (std::uint32_t index = 0; index < 200000; ++index) {
    if (std::chrono::steady_clock::now() > deadline)
      _exit(5);
    RequestDraft d = crash_draft(index, random);
    auto outcome = store->create_request(d, answer_with_request_id(d.request_id));
    if (!outcome || outcome->kind != CreateOutcome::Kind::created)
      _exit(4);
    if (write(ack_fd, &index, sizeof index) != static_cast<ssize_t>(sizeof index))
      _exit(6);
  }
  _exit(7);
}

TEST_P(StoreContractTest, AcknowledgedRequestsSurviveSigkillAndNoneIsHalfStored) {
  // Create the store first so that the child measures steady-state writes, then close it: no
  // connection may be open across fork().
  ASSERT_NE(open_store(), nullptr);

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    crash_child(GetParam().open, dir_.path(), fds[1]);
  }
  close(fds[1]);

  // Read acknowledgements for a while (at least a few hundred, at most a few seconds), then
  // kill the child wherever it is, most likely inside a transaction.
  std::vector<std::uint32_t> acked;
  auto read_acks = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0)
      return false;
    std::uint32_t buffer[256];
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0)
      return false;
    // Four-byte writes to a pipe are atomic, so reads come in whole indices.
    for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(std::uint32_t)); ++i)
      acked.push_back(buffer[i]);
    return true;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (acked.size() < 300 && std::chrono::steady_clock::now() < until)
    read_acks(100);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  while (read_acks(0)) {
  }
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with code " << WEXITSTATUS(status);
  ASSERT_FALSE(acked.empty()) << "the child acknowledged nothing";
  for (std::size_t i = 0; i < acked.size(); ++i)
    ASSERT_EQ(acked[i], i) << "acknowledgements arrive in order";

  auto store = open_store();
  ASSERT_NE(store, nullptr);

  // Every stored session belongs to a request with all its sessions.
  std::map<std::string, int> sessions_per_request;
  for (const auto& s : list_all(*store, kCrashAsn, 100))
    ++sessions_per_request[s.request_id.to_string()];
  for (const auto& [request, count] : sessions_per_request)
    EXPECT_EQ(count, kCrashSessionsPerRequest) << "request " << request << " is half-stored";
  EXPECT_GE(sessions_per_request.size(), acked.size());
  EXPECT_LE(sessions_per_request.size(), acked.size() + 1);  // at most one commit not yet acked

  // Probe each request by replaying it: every acknowledged one is stored with all its
  // sessions; the first one that is not stored ends the probe (the child wrote in order).
  util::SecureRandom random;
  std::uint32_t index = 0;
  for (; index < acked.size() + 2; ++index) {
    RequestDraft d = crash_draft(index, random);
    auto outcome = store->create_request(d, answer_with_request_id(d.request_id));
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    if (outcome->kind != CreateOutcome::Kind::replayed) {
      EXPECT_GE(index, acked.size()) << "acknowledged request " << index << " was lost";
      break;
    }
    auto stored_id = model::Uuid::parse(outcome->answer.body);
    ASSERT_TRUE(stored_id.has_value());
    EXPECT_EQ(list_all(*store, kCrashAsn, 100, *stored_id).size(),
              static_cast<std::size_t>(kCrashSessionsPerRequest))
        << "request " << index;
  }
  EXPECT_GE(index, acked.size());
}

IdpRegistration registration_of(std::string issuer, std::string client_id,
                                std::vector<std::uint32_t> asns) {
  IdpRegistration r;
  r.issuer = std::move(issuer);
  r.client_id = std::move(client_id);
  r.jwks_uri = r.issuer + "jwks";
  r.created_at_ms = kNow;
  for (std::uint32_t asn : asns)
    r.asns.push_back(*model::Asn::from_number(asn));
  return r;
}

void expect_same_registration(const IdpRegistration& actual, const IdpRegistration& expected) {
  EXPECT_EQ(actual.issuer, expected.issuer);
  EXPECT_EQ(actual.client_id, expected.client_id);
  EXPECT_EQ(actual.client_secret, expected.client_secret);
  EXPECT_EQ(actual.client_secret_expires_at, expected.client_secret_expires_at);
  EXPECT_EQ(actual.asns, expected.asns);
  EXPECT_EQ(actual.jwks_uri, expected.jwks_uri);
  EXPECT_EQ(actual.created_at_ms, expected.created_at_ms);
}

TEST_P(StoreContractTest, IdpRegistrationsReadBackOrderedByIssuerAndSurviveReopen) {
  IdpRegistration full = registration_of("https://idp-b.example/", "client-b", {65551, 64496});
  full.client_secret = "s3cret";
  full.client_secret_expires_at = 1'900'000'000;
  const IdpRegistration bare = registration_of("https://idp-a.example/", "client-a", {64497});
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    auto empty = store->idp_registrations();
    ASSERT_TRUE(empty.has_value()) << empty.error().message;
    EXPECT_TRUE(empty->empty());
    ASSERT_TRUE(store->save_idp_registration(full).has_value());
    ASSERT_TRUE(store->save_idp_registration(bare).has_value());
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto all = store->idp_registrations();
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  expect_same_registration((*all)[0], bare);
  IdpRegistration sorted = full;
  sorted.asns = {*model::Asn::from_number(64496), *model::Asn::from_number(65551)};
  expect_same_registration((*all)[1], sorted);
}

TEST_P(StoreContractTest, SavingAnIdpRegistrationAgainReplacesIt) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  IdpRegistration first = registration_of("https://idp.example/", "client-1", {64496});
  first.client_secret = "old-secret";
  ASSERT_TRUE(store->save_idp_registration(first).has_value());
  IdpRegistration second = registration_of("https://idp.example/", "client-2", {64497, 64498});
  second.created_at_ms = kNow + 1000;
  ASSERT_TRUE(store->save_idp_registration(second).has_value());
  auto all = store->idp_registrations();
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  expect_same_registration((*all)[0], second);  // the old secret is gone too
}

TEST_P(StoreContractTest, IncompleteIdpRegistrationsAreRefused) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  struct Row {
    const char* field;
    std::function<void(IdpRegistration&)> edit;
  };
  const Row rows[] = {
      {"issuer", [](IdpRegistration& r) { r.issuer.clear(); }},
      {"client_id", [](IdpRegistration& r) { r.client_id.clear(); }},
      {"jwks_uri", [](IdpRegistration& r) { r.jwks_uri.clear(); }},
      {"asns", [](IdpRegistration& r) { r.asns.clear(); }},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.field);
    IdpRegistration r = registration_of("https://idp.example/", "client", {64496});
    row.edit(r);
    auto saved = store->save_idp_registration(r);
    ASSERT_FALSE(saved.has_value());
    EXPECT_EQ(saved.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(saved.error().field, row.field);
  }
  EXPECT_TRUE(store->idp_registrations()->empty());
}

}  // namespace
}  // namespace peerapi::store::test
