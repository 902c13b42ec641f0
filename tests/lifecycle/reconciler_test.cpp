// The reconcile loop (lifecycle/reconciler.hpp) on a real SQLite store, with a scripted driver:
// every transition of the session state machine, refused applies, the TimeWindow, deletion,
// leases between two processes, and convergence after a crash.
#include "lifecycle/reconciler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "lifecycle/session_lifecycle.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"

namespace peerapi::lifecycle {
namespace {

using model::SessionStatus;
constexpr std::int64_t kStart = 1'700'000'000'000;

/// A router that keeps the last configuration it accepted and answers states from a table.
class ScriptedDriver final : public router::Driver {
 public:
  [[nodiscard]] render::Daemon daemon() const override { return render::Daemon::bird; }
  Result<router::ApplyOutcome> apply(const render::Rendering& rendering) override {
    ++apply_calls;
    if (refuse)
      return fail(ErrorCode::invalid_value, "router.apply", "syntax error, unexpected END");
    const std::string text = flatten(rendering);
    const bool changed = text != running;
    running = text;
    if (changed)
      ++reloads;
    return router::ApplyOutcome{.changed = changed};
  }
  Result<std::map<std::string, router::SessionState, std::less<>>> read_state(
      std::span<const router::SessionKey> sessions) override {
    if (unreachable)
      return fail(ErrorCode::unavailable, "router.control_socket", "no socket");
    std::map<std::string, router::SessionState, std::less<>> out;
    for (const auto& key : sessions) {
      if (running.find(key.name) == std::string::npos)
        continue;  // not in the running configuration
      const auto found = states.find(key.name);
      out.emplace(key.name, found == states.end() ? router::SessionState{} : found->second);
    }
    return out;
  }
  static std::string flatten(const render::Rendering& rendering) {
    std::string text;
    for (const auto& file : rendering.files)
      text += file.name + "\n" + file.text;
    return text;
  }

  bool refuse = false;
  bool unreachable = false;
  int apply_calls = 0;
  int reloads = 0;
  std::string running;
  std::map<std::string, router::SessionState, std::less<>> states;
};

/// Renders each session as one line naming it "s_<id>".
Result<RouterConfig> render_lines(std::span<const store::RouterSession> sessions) {
  RouterConfig config;
  std::string text;
  for (const auto& s : sessions) {
    const std::string name = "s_" + s.session.session_id.to_string();
    text += name + (s.side == store::SessionSide::initiator ? " initiator\n" : " receiver\n");
    config.keys.emplace(s.session.session_id,
                        router::SessionKey{.name = name, .neighbor = s.session.fields.peer_ip});
  }
  config.rendering.files.push_back(
      render::RenderedFile{.name = "bird.conf", .text = text, .top_level = true});
  return config;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteStore::open(dir_.path() / "store.db", random_);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store_ = std::move(*opened);
  }

  Reconciler make(const std::string& holder, std::int64_t window_ms = 60'000) {
    return Reconciler(*store_, driver_, render_lines, clock_,
                      ReconcilerOptions{.router_name = "rtr1",
                                        .holder = holder,
                                        .lease_ms = 10'000,
                                        .time_window_ms = window_ms,
                                        .fast_start_window_ms = 120'000});
  }

  /// Stores `count` approved sessions from AS64501 and returns their ids.
  std::vector<model::Uuid> create(int count, SessionStatus status = SessionStatus::approved) {
    store::RequestDraft draft{.request_id = model::Uuid::v4_from_bytes(random_.bytes16()),
                              .client_request_id = std::nullopt,
                              .subject = "caller",
                              .body_hash = "h",
                              .return_url = std::nullopt,
                              .now_ms = clock_.now_ms(),
                              .candidates = {},
                              .creation_notes = {},
                              .audit = {}};
    std::vector<model::Uuid> ids;
    for (int i = 0; i < count; ++i) {
      const auto id = model::Uuid::v4_from_bytes(random_.bytes16());
      ids.push_back(id);
      draft.candidates.push_back(model::Session{
          .session_id = id,
          .request_id = draft.request_id,
          .fields =
              model::SessionRequest{.local_asn = *model::Asn::from_number(64501),
                                    .local_ip = model::IpAddress::v4(
                                        0xC0000200u + 10 + static_cast<unsigned>(next_host_++)),
                                    .peer_asn = *model::Asn::from_number(64500),
                                    .peer_ip = *model::IpAddress::parse("192.0.2.1"),
                                    .session_secret = std::nullopt,
                                    .location = model::LocationId::ix(1)},
          .status = status});
    }
    auto created = store_->create_request(draft, [](const store::CandidateChecks&) {
      return store::StoredAnswer{200, "{}"};
    });
    EXPECT_TRUE(created.has_value());
    return ids;
  }

  SessionStatus status_of(const model::Uuid& id) {
    auto session = store_->get_session(id);
    EXPECT_TRUE(session.has_value() && session->has_value());
    return (*session)->status;
  }
  store::RouterRecord record_of(const model::Uuid& id) {
    auto record = store_->router_record(id);
    EXPECT_TRUE(record.has_value() && record->has_value());
    return record->value_or(fresh_record(id));
  }
  std::vector<std::string> history_notes(const model::Uuid& id) {
    std::vector<std::string> notes;
    auto history = store_->history(id);
    EXPECT_TRUE(history.has_value());
    if (!history)
      return notes;
    for (const auto& entry : *history) {
      notes.push_back(std::string(entry.from ? model::to_string(*entry.from) : "-") + ">" +
                      std::string(model::to_string(entry.to)) + " " + entry.actor + ": " +
                      entry.note);
    }
    return notes;
  }
  static std::string name_of(const model::Uuid& id) { return "s_" + id.to_string(); }

  testing::TempDir dir_;
  util::SecureRandom random_;
  util::ManualClock clock_{kStart};
  std::unique_ptr<store::SqliteStore> store_;
  ScriptedDriver driver_;
  int next_host_ = 0;
};

router::SessionState up(std::int64_t seconds = 0) {
  return router::SessionState{.state = router::BgpState::established,
                              .seconds_in_state = seconds,
                              .prefixes_received = 12,
                              .prefixes_accepted = 10,
                              .last_error = ""};
}

TEST_F(ReconcilerTest, ApprovedSessionsAreConfiguredThenFollowTheBgpState) {
  const auto ids = create(2);
  create(1, SessionStatus::pending);
  Reconciler reconciler = make("a");

  auto pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value()) << pass.error().message;
  EXPECT_TRUE(pass->leased);
  EXPECT_TRUE(pass->changed);
  EXPECT_EQ(pass->configured, 2u);
  EXPECT_EQ(pass->on_router, 2u);
  EXPECT_TRUE(pass->waiting);
  EXPECT_EQ(std::ranges::count(driver_.running, '\n'), 3);  // file name + two sessions
  for (const auto& id : ids) {
    EXPECT_EQ(status_of(id), SessionStatus::configured);
    const auto record = record_of(id);
    EXPECT_TRUE(record.on_router);
    EXPECT_EQ(record.configured_at_ms, kStart);
    EXPECT_EQ(record.bgp_state, "idle");
  }
  EXPECT_EQ(history_notes(ids[0]),
            (std::vector<std::string>{"->approved caller: ",
                                      "approved>configured peerapi:lifecycle: configured on "
                                      "router rtr1"}));

  // The router reports the first one up for 3 s: established, with its counters.
  clock_.advance_ms(5'000);
  driver_.states[name_of(ids[0])] = up(3);
  pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_FALSE(pass->changed);
  EXPECT_EQ(driver_.reloads, 1);
  EXPECT_EQ(pass->established, 1u);
  EXPECT_EQ(status_of(ids[0]), SessionStatus::established);
  EXPECT_EQ(status_of(ids[1]), SessionStatus::configured);
  auto record = record_of(ids[0]);
  EXPECT_EQ(record.established_at_ms, kStart + 2'000);
  EXPECT_EQ(record.prefixes_accepted, 10);
  EXPECT_EQ(record.prefixes_received, 12);
  EXPECT_EQ(record.flaps, 0);

  // It drops (hold timer): down, one flap, the reason kept; then back up.
  clock_.advance_ms(5'000);
  driver_.states[name_of(ids[0])] = router::SessionState{.state = router::BgpState::active,
                                                         .seconds_in_state = 1,
                                                         .prefixes_received = std::nullopt,
                                                         .prefixes_accepted = std::nullopt,
                                                         .last_error = "Hold timer expired"};
  pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(pass->down, 1u);
  EXPECT_EQ(status_of(ids[0]), SessionStatus::down);
  record = record_of(ids[0]);
  EXPECT_EQ(record.flaps, 1);
  EXPECT_EQ(record.down_at_ms, kStart + 10'000);
  EXPECT_EQ(record.last_error, "Hold timer expired");
  EXPECT_EQ(record.bgp_state, "active");
  EXPECT_EQ(history_notes(ids[0]).back(),
            "established>down peerapi:lifecycle: BGP session down (active: Hold timer expired)");

  clock_.advance_ms(5'000);
  driver_.states[name_of(ids[0])] = up(0);
  pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(status_of(ids[0]), SessionStatus::established);
  EXPECT_EQ(record_of(ids[0]).established_at_ms, kStart + 15'000);
  EXPECT_EQ(driver_.reloads, 1);  // nothing was re-applied in all of this
}

TEST_F(ReconcilerTest, RefusedConfigurationKeepsSessionsApprovedWithTheReason) {
  const auto first = create(1);
  Reconciler reconciler = make("a");
  ASSERT_TRUE(reconciler.run_pass().has_value());
  const std::string running = driver_.running;

  const auto second = create(1);
  driver_.refuse = true;
  driver_.states[name_of(first[0])] = up();
  auto pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(pass->apply_error, "router.apply: syntax error, unexpected END");
  EXPECT_EQ(driver_.running, running);  // the last good configuration runs on
  EXPECT_EQ(status_of(second[0]), SessionStatus::approved);
  EXPECT_EQ(record_of(second[0]).last_error,
            "configuration not applied: router.apply: syntax error, unexpected END");
  EXPECT_FALSE(record_of(second[0]).on_router);
  // The session already on the router is still followed.
  EXPECT_EQ(status_of(first[0]), SessionStatus::established);
  EXPECT_EQ(record_of(first[0]).last_error, "");

  driver_.refuse = false;
  pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(pass->apply_error, "");
  EXPECT_EQ(status_of(second[0]), SessionStatus::configured);
  EXPECT_EQ(record_of(second[0]).last_error, "");
}

TEST_F(ReconcilerTest, TimeWindowMakesNeverEstablishedSessionsUnestablishedAndRemovesThem) {
  const auto ids = create(2);
  Reconciler reconciler = make("a", /*window_ms=*/30'000);
  ASSERT_TRUE(reconciler.run_pass().has_value());
  driver_.states[name_of(ids[1])] = up();
  clock_.advance_ms(1'000);
  ASSERT_TRUE(reconciler.run_pass().has_value());
  ASSERT_EQ(status_of(ids[1]), SessionStatus::established);

  clock_.advance_ms(28'999);  // 29.999 s after configuration: still within the window
  auto pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(status_of(ids[0]), SessionStatus::configured);

  clock_.advance_ms(1);
  pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(pass->unestablished, 1u);
  EXPECT_EQ(pass->removed, 1u);
  EXPECT_TRUE(pass->changed);
  EXPECT_EQ(status_of(ids[0]), SessionStatus::unestablished);
  EXPECT_EQ(status_of(ids[1]), SessionStatus::established);  // it came up: not expired
  EXPECT_EQ(driver_.running.find(name_of(ids[0])), std::string::npos);
  EXPECT_FALSE(record_of(ids[0]).on_router);
  const auto notes = history_notes(ids[0]);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_EQ(notes[2],
            "configured>unestablished peerapi:lifecycle: not established within the TimeWindow "
            "of 30 s (draft \"Completion\"); it leaves the router");
  EXPECT_EQ(notes[3], "unestablished>unestablished peerapi:lifecycle: removed from router rtr1");

  // Once off the router it is no longer looked at.
  ASSERT_TRUE(reconciler.run_pass().has_value());
  EXPECT_EQ(history_notes(ids[0]).size(), 4u);
}

TEST_F(ReconcilerTest, DeletedSessionsLeaveTheRouter) {
  const auto ids = create(2);
  Reconciler reconciler = make("a");
  ASSERT_TRUE(reconciler.run_pass().has_value());
  const SessionStatus any[] = {SessionStatus::configured};
  ASSERT_TRUE(
      store_->transition(ids[0], any, SessionStatus::deleted, "caller", "DELETE", clock_.now_ms()));
  auto pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(pass->removed, 1u);
  EXPECT_EQ(driver_.running.find(name_of(ids[0])), std::string::npos);
  EXPECT_NE(driver_.running.find(name_of(ids[1])), std::string::npos);
  EXPECT_EQ(history_notes(ids[0]).back(),
            "deleted>deleted peerapi:lifecycle: removed from router rtr1");
  EXPECT_EQ(status_of(ids[0]), SessionStatus::deleted);
}

TEST_F(ReconcilerTest, OnlyTheLeaseHolderDrivesTheRouter) {
  const auto ids = create(1);
  Reconciler first = make("replica-1");
  Reconciler second = make("replica-2");
  auto pass = first.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_TRUE(pass->leased);
  const int applies = driver_.apply_calls;
  clock_.advance_ms(9'999);
  pass = second.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_FALSE(pass->leased);
  EXPECT_EQ(driver_.apply_calls, applies);
  // The first one stops renewing; once its lease ends the second takes over.
  clock_.advance_ms(1);
  driver_.states[name_of(ids[0])] = up();
  pass = second.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_TRUE(pass->leased);
  EXPECT_EQ(status_of(ids[0]), SessionStatus::established);
  pass = first.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_FALSE(pass->leased);
}

TEST_F(ReconcilerTest, AReleasedLeaseIsTakenAtOnceByTheNextProcess) {
  create(1);
  Reconciler first = make("replica-1");
  Reconciler second = make("replica-2");
  ASSERT_TRUE(first.run_pass()->leased);
  ASSERT_FALSE(second.run_pass()->leased);
  ASSERT_TRUE(first.release_lease().has_value());
  EXPECT_TRUE(second.run_pass()->leased);  // no wait for the lease to run out
  // Releasing a lease one does not hold takes nothing from its holder.
  ASSERT_TRUE(first.release_lease().has_value());
  EXPECT_TRUE(second.run_pass()->leased);
  EXPECT_FALSE(first.run_pass()->leased);
}

TEST_F(ReconcilerTest, ConvergesAfterACrashBetweenApplyAndTransitionWithoutReapplying) {
  const auto ids = create(1);
  // A previous process applied this configuration and died before recording anything.
  driver_.running = ScriptedDriver::flatten([&] {
    std::vector<store::RouterSession> sessions = *store_->router_sessions();
    return render_lines(sessions)->rendering;
  }());
  Reconciler reconciler = make("restarted");
  auto pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_FALSE(pass->changed);
  EXPECT_EQ(driver_.reloads, 0);
  EXPECT_EQ(status_of(ids[0]), SessionStatus::configured);
  EXPECT_EQ(history_notes(ids[0]).size(), 2u);
  // A second pass records nothing more.
  pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(history_notes(ids[0]).size(), 2u);
}

TEST_F(ReconcilerTest, AnUnreachableRouterChangesNoStatus) {
  const auto ids = create(1);
  Reconciler reconciler = make("a");
  ASSERT_TRUE(reconciler.run_pass().has_value());
  driver_.states[name_of(ids[0])] = up();
  ASSERT_TRUE(reconciler.run_pass().has_value());
  ASSERT_EQ(status_of(ids[0]), SessionStatus::established);
  driver_.unreachable = true;
  auto pass = reconciler.run_pass();
  ASSERT_TRUE(pass.has_value());
  EXPECT_EQ(status_of(ids[0]), SessionStatus::established);
  EXPECT_EQ(record_of(ids[0]).flaps, 0);
}

TEST_F(ReconcilerTest, InitiatorSideSessionsAreRenderedWithTheirSide) {
  const model::Uuid request = model::Uuid::v4_from_bytes(random_.bytes16());
  const model::Uuid id = model::Uuid::v4_from_bytes(random_.bytes16());
  store::OutgoingRequest outgoing{
      .request_id = request,
      .peer_url = "https://peering.example.net",
      .sessions = {model::Session{
          .session_id = id,
          .request_id = request,
          .fields = model::SessionRequest{.local_asn = *model::Asn::from_number(64500),
                                          .local_ip = *model::IpAddress::parse("192.0.2.1"),
                                          .peer_asn = *model::Asn::from_number(64501),
                                          .peer_ip = *model::IpAddress::parse("192.0.2.2"),
                                          .session_secret = std::nullopt,
                                          .location = model::LocationId::ix(1)},
          .status = SessionStatus::approved}},
      .now_ms = clock_.now_ms()};
  ASSERT_TRUE(store_->save_outgoing(outgoing).has_value());
  Reconciler reconciler = make("a");
  ASSERT_TRUE(reconciler.run_pass().has_value());
  EXPECT_NE(driver_.running.find(name_of(id) + " initiator"), std::string::npos);
  EXPECT_EQ(status_of(id), SessionStatus::configured);
}

TEST_F(ReconcilerTest, LoopRunsAPassWhenTheMarkerChangesWithoutWaitingForTheInterval) {
  const auto ids = create(1);
  driver_.states[name_of(ids[0])] = up();  // up at once: nothing waits, no fast polling
  Reconciler reconciler = make("a");
  std::atomic<std::int64_t> marker{1};
  ReconcileLoop loop(reconciler, std::chrono::hours(1), std::chrono::milliseconds(20),
                     [&marker] { return std::optional<std::int64_t>(marker.load()); });
  loop.start();
  for (int i = 0; i < 500 && loop.passes() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(loop.passes(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(loop.passes(), 1u);  // nothing changed: no pass
  marker = 2;                    // another process stored a session
  for (int i = 0; i < 500 && loop.passes() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(loop.passes(), 2u);
  loop.stop();
}

TEST_F(ReconcilerTest, LoopRunsPassesUntilStoppedAndWakesOnPoke) {
  create(1);
  Reconciler reconciler = make("a");
  ReconcileLoop loop(reconciler, std::chrono::hours(1), std::chrono::hours(1));
  loop.start();
  for (int i = 0; i < 500 && loop.passes() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(loop.passes(), 1u);
  loop.poke();
  for (int i = 0; i < 500 && loop.passes() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(loop.passes(), 2u);
  loop.stop();
  EXPECT_EQ(driver_.reloads, 1);
}

}  // namespace
}  // namespace peerapi::lifecycle
