// The lifecycle part of the Store contract (issue 6): router records, the sessions the
// reconcile loop looks at, leases, and initiator-side sessions. Runs for every backend
// instantiated with StoreContractTest.
#include <algorithm>

#include "store/store_contract.hpp"

namespace peerapi::store::test {
namespace {

using model::SessionStatus;
constexpr std::int64_t kNow = 1'700'000'000'000;

std::vector<model::Uuid> ids_of(const std::vector<RouterSession>& sessions) {
  std::vector<model::Uuid> ids;
  for (const auto& s : sessions)
    ids.push_back(s.session.session_id);
  return ids;
}

RouterRecord record_for(const model::Uuid& id, bool on_router) {
  return RouterRecord{.session_id = id,
                      .on_router = on_router,
                      .configured_at_ms = kNow,
                      .established_at_ms = kNow + 5,
                      .down_at_ms = std::nullopt,
                      .flaps = 2,
                      .bgp_state = "established",
                      .last_error = "BGP Error: Role mismatch",
                      .prefixes_received = 12,
                      .prefixes_accepted = 10,
                      .observed_at_ms = kNow + 9};
}

TEST_P(StoreContractTest, RouterSessionsAreThoseOnOrBoundForTheRouter) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64501, 1, 4);
  d.candidates[1].status = SessionStatus::pending;
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const auto& c = d.candidates;
  const SessionStatus approved[] = {SessionStatus::approved};
  // c[2] is configured, c[3] rejected while its record still says it is on the router.
  ASSERT_TRUE(store->transition(c[2].session_id, approved, SessionStatus::configured, "system", "",
                                kNow + 1));
  ASSERT_TRUE(
      store->transition(c[3].session_id, approved, SessionStatus::deleted, "system", "", kNow + 1));
  const RouterRecord on = record_for(c[3].session_id, true);
  ASSERT_TRUE(store->save_router_records(std::span(&on, 1)).has_value());

  auto sessions = store->router_sessions();
  ASSERT_TRUE(sessions.has_value()) << sessions.error().message;
  EXPECT_EQ(ids_of(*sessions),
            (std::vector<model::Uuid>{c[0].session_id, c[2].session_id, c[3].session_id}));
  for (const auto& s : *sessions)
    EXPECT_EQ(s.side, SessionSide::receiver);
  EXPECT_FALSE((*sessions)[0].record.has_value());
  ASSERT_TRUE((*sessions)[2].record.has_value());
  EXPECT_EQ(*(*sessions)[2].record, on);
  EXPECT_EQ((*sessions)[2].session.status, SessionStatus::deleted);

  // Once its record says it left the router, a deleted session is no longer looked at.
  RouterRecord off = on;
  off.on_router = false;
  ASSERT_TRUE(store->save_router_records(std::span(&off, 1)).has_value());
  sessions = store->router_sessions();
  ASSERT_TRUE(sessions.has_value());
  EXPECT_EQ(ids_of(*sessions), (std::vector<model::Uuid>{c[0].session_id, c[2].session_id}));
}

TEST_P(StoreContractTest, RouterRecordsRoundTripSurviveReopenAndSaveAllOrNothing) {
  RequestDraft d = draft(64502, 1, 2);
  const RouterRecord first = record_for(d.candidates[0].session_id, true);
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
    auto none = store->router_record(first.session_id);
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(store->save_router_records(std::span(&first, 1)).has_value());
    // A record with every optional unset reads back unset.
    RouterRecord bare{.session_id = d.candidates[1].session_id,
                      .on_router = false,
                      .configured_at_ms = std::nullopt,
                      .established_at_ms = std::nullopt,
                      .down_at_ms = std::nullopt,
                      .flaps = 0,
                      .bgp_state = "",
                      .last_error = "",
                      .prefixes_received = std::nullopt,
                      .prefixes_accepted = std::nullopt,
                      .observed_at_ms = 0};
    ASSERT_TRUE(store->save_router_records(std::span(&bare, 1)).has_value());
    auto read = store->router_record(bare.session_id);
    ASSERT_TRUE(read.has_value() && read->has_value());
    EXPECT_EQ(**read, bare);
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto read = store->router_record(first.session_id);
  ASSERT_TRUE(read.has_value() && read->has_value());
  EXPECT_EQ(**read, first);

  // One record of an unknown session fails the whole batch: the other is not written.
  RouterRecord changed = first;
  changed.flaps = 7;
  const std::vector<RouterRecord> batch{changed, record_for(new_uuid(), true)};
  auto saved = store->save_router_records(batch);
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().code, ErrorCode::not_found);
  EXPECT_EQ(saved.error().field, "records[1].session_id");
  read = store->router_record(first.session_id);
  ASSERT_TRUE(read.has_value() && read->has_value());
  EXPECT_EQ((*read)->flaps, 2);
}

TEST_P(StoreContractTest, LeaseIsHeldByOneHolderUntilItEnds) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->claim_lease("router-a", "one", kNow, kNow + 100), true);
  EXPECT_EQ(store->claim_lease("router-a", "two", kNow + 50, kNow + 150), false);
  EXPECT_EQ(store->claim_lease("router-b", "two", kNow + 50, kNow + 150), true);
  EXPECT_EQ(store->claim_lease("router-a", "one", kNow + 60, kNow + 200), true);  // renewal
  EXPECT_EQ(store->claim_lease("router-a", "two", kNow + 199, kNow + 300), false);
  EXPECT_EQ(store->claim_lease("router-a", "two", kNow + 200, kNow + 300), true);  // ended
  EXPECT_EQ(store->claim_lease("router-a", "one", kNow + 201, kNow + 400), false);
}

TEST_P(StoreContractTest, OutgoingSessionsAreInitiatorSideAndSavedOnce) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const model::Uuid peer_request = new_uuid();
  OutgoingRequest request{
      .request_id = peer_request,
      .peer_url = "https://peering.example.net/api",
      .sessions = {candidate(peer_request, 64500, 7), candidate(peer_request, 64500, 8)},
      .now_ms = kNow};
  ASSERT_TRUE(store->save_outgoing(request).has_value());
  // Again, with the first session's status changed meanwhile: nothing is overwritten.
  const SessionStatus approved[] = {SessionStatus::approved};
  ASSERT_TRUE(store->transition(request.sessions[0].session_id, approved, SessionStatus::configured,
                                "system", "", kNow + 1));
  ASSERT_TRUE(store->save_outgoing(request).has_value());

  auto sessions = store->router_sessions();
  ASSERT_TRUE(sessions.has_value());
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].side, SessionSide::initiator);
  EXPECT_EQ((*sessions)[0].session.status, SessionStatus::configured);
  expect_same_session((*sessions)[1].session, [&] {
    model::Session expected = request.sessions[1];
    expected.created_at_ms = kNow;
    expected.updated_at_ms = kNow;
    return expected;
  }());
  auto history = store->history(request.sessions[1].session_id);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].actor, "peerapi:initiator");
  EXPECT_EQ((*history)[0].note, "requested from https://peering.example.net/api");

  // A peer's session that duplicates a live one of ours is refused and nothing is stored.
  const model::Uuid other_request = new_uuid();
  model::Session clash = candidate(other_request, 64500, 7);
  OutgoingRequest duplicate{.request_id = other_request,
                            .peer_url = "https://peering.example.net/api",
                            .sessions = {candidate(other_request, 64500, 9), clash},
                            .now_ms = kNow};
  auto refused = store->save_outgoing(duplicate);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::duplicate_session);
  auto unchanged = store->get_session(duplicate.sessions[0].session_id);
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_FALSE(unchanged->has_value());
}

TEST_P(StoreContractTest, TransitionAllIsConditionalPerSessionAndOneCommit) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64503, 1, 3);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const auto& c = d.candidates;
  const std::vector<TransitionRequest> requests{
      {.session_id = c[0].session_id,
       .from = SessionStatus::approved,
       .to = SessionStatus::configured,
       .note = "first"},
      {.session_id = c[1].session_id,
       .from = SessionStatus::configured,  // it is approved: not moved
       .to = SessionStatus::established,
       .note = "second"},
      {.session_id = new_uuid(),  // no such session
       .from = SessionStatus::approved,
       .to = SessionStatus::configured,
       .note = "third"},
      {.session_id = c[2].session_id,
       .from = SessionStatus::approved,
       .to = SessionStatus::deleted,
       .note = "fourth"},
  };
  auto moved = store->transition_all(requests, "peerapi:lifecycle", kNow + 7);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  ASSERT_EQ(moved->size(), 4u);
  ASSERT_TRUE((*moved)[0].has_value());
  EXPECT_EQ((*moved)[0]->status, SessionStatus::configured);
  EXPECT_EQ((*moved)[0]->updated_at_ms, kNow + 7);
  EXPECT_FALSE((*moved)[1].has_value());
  EXPECT_FALSE((*moved)[2].has_value());
  ASSERT_TRUE((*moved)[3].has_value());
  EXPECT_EQ((*moved)[3]->status, SessionStatus::deleted);
  auto history = store->history(c[0].session_id);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].actor, "peerapi:lifecycle");
  EXPECT_EQ((*history)[1].note, "first");
  EXPECT_EQ((*history)[1].at_ms, kNow + 7);
  EXPECT_EQ(store->history(c[1].session_id)->size(), 1u);

  // A batch whose one move would duplicate a live session changes nothing at all.
  RequestDraft again = draft(64503, 3, 1);  // same tuple as c[2], which is deleted now
  ASSERT_TRUE(store->create_request(again, describe_duplicates()).has_value());
  const std::vector<TransitionRequest> clash{
      {.session_id = c[0].session_id,
       .from = SessionStatus::configured,
       .to = SessionStatus::established,
       .note = ""},
      {.session_id = c[2].session_id,
       .from = SessionStatus::deleted,
       .to = SessionStatus::approved,
       .note = ""},
  };
  auto refused = store->transition_all(clash, "peerapi:lifecycle", kNow + 8);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::duplicate_session);
  EXPECT_EQ((*store->get_session(c[0].session_id))->status, SessionStatus::configured);
}

}  // namespace
}  // namespace peerapi::store::test
