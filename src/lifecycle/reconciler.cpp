#include "lifecycle/reconciler.hpp"

#include <spdlog/spdlog.h>

#include "lifecycle/session_lifecycle.hpp"

namespace peerapi::lifecycle {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

Reconciler::Reconciler(store::Store& store, router::Driver& driver, RenderFunction render,
                       const util::Clock& clock, ReconcilerOptions options)
    : store_(store),
      driver_(driver),
      render_(std::move(render)),
      clock_(clock),
      options_(std::move(options)) {}

Result<PassReport> Reconciler::run_pass() {
  PassReport report;
  const std::int64_t start_ms = clock_.now_ms();
  auto leased = store_.claim_lease(options_.router_name, options_.holder, start_ms,
                                   start_ms + options_.lease_ms);
  if (!leased)
    return std::unexpected(leased.error());
  if (!*leased)
    return report;
  report.leased = true;

  auto loaded = store_.router_sessions();
  if (!loaded)
    return std::unexpected(loaded.error());
  std::vector<store::RouterSession>& sessions = *loaded;
  std::map<model::Uuid, store::RouterRecord> changed_records;

  // Takes the steps of one phase: their transitions in one batch (each conditional on the
  // status this pass saw), then the records of those whose transition was made or not needed.
  // A session whose status changed meanwhile (a DELETE) keeps its record: the next pass sees it.
  using Steps = std::vector<std::pair<store::RouterSession*, Step>>;
  const auto take_all = [&](Steps& steps) -> Result<void> {
    std::vector<store::TransitionRequest> requests;
    std::vector<std::size_t> of_request;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto& [session, step] = steps[i];
      if (!step.to)
        continue;
      requests.push_back(store::TransitionRequest{.session_id = session->session.session_id,
                                                  .from = session->session.status,
                                                  .to = *step.to,
                                                  .note = step.note});
      of_request.push_back(i);
    }
    std::vector<bool> made(steps.size(), true);
    if (!requests.empty()) {
      auto moved = store_.transition_all(requests, std::string(kActor), clock_.now_ms());
      if (!moved)
        return std::unexpected(moved.error());
      for (std::size_t r = 0; r < requests.size(); ++r) {
        store::RouterSession& session = *steps[of_request[r]].first;
        if ((*moved)[r])
          session.session.status = (*moved)[r]->status;
        else
          made[of_request[r]] = false;
      }
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto& [session, step] = steps[i];
      if (!made[i])
        continue;
      if (!session->record || *session->record != step.record) {
        session->record = step.record;
        changed_records.insert_or_assign(step.record.session_id, step.record);
      }
    }
    return {};
  };

  // Draft "Completion": the TimeWindow.
  {
    Steps steps;
    for (auto& session : sessions) {
      if (auto step = expiry(session, start_ms, options_.time_window_ms))
        steps.emplace_back(&session, std::move(*step));
    }
    if (auto taken = take_all(steps); !taken)
      return std::unexpected(taken.error());
    for (const auto& [session, step] : steps) {
      if (session->session.status == model::SessionStatus::unestablished)
        ++report.unestablished;
    }
  }

  std::vector<store::RouterSession> desired;
  for (const auto& session : sessions) {
    if (belongs_on_router(session.session.status))
      desired.push_back(session);
  }

  const auto apply_started = Clock::now();
  auto config = render_(desired);
  Result<router::ApplyOutcome> applied =
      config ? driver_.apply(config->rendering)
             : Result<router::ApplyOutcome>(std::unexpected(config.error()));
  report.apply_time = since(apply_started);
  const std::int64_t applied_ms = clock_.now_ms();
  {
    Steps steps;
    if (!applied) {
      const Error& error = applied.error();
      report.apply_error = (error.field.empty() ? "" : error.field + ": ") + error.message;
      spdlog::warn("router {}: configuration not applied: {}", options_.router_name,
                   report.apply_error);
      for (auto& session : sessions) {
        if (belongs_on_router(session.session.status))
          steps.emplace_back(&session, after_failed_apply(session, report.apply_error, applied_ms));
      }
    } else {
      report.changed = applied->changed;
      for (auto& session : sessions) {
        const bool included = config->keys.contains(session.session.session_id);
        const bool was_on = session.record && session.record->on_router;
        if (was_on && !included)
          ++report.removed;
        steps.emplace_back(&session,
                           after_apply(session, included, applied_ms, options_.router_name));
      }
    }
    if (auto taken = take_all(steps); !taken)
      return std::unexpected(taken.error());
    for (const auto& [session, step] : steps) {
      if (step.to == model::SessionStatus::configured &&
          session->session.status == model::SessionStatus::configured)
        ++report.configured;
    }
  }

  // The state of every session on the router (after a refused apply, the previous
  // configuration still runs and is read).
  if (config) {
    std::vector<router::SessionKey> keys;
    for (const auto& session : sessions) {
      if (!session.record || !session.record->on_router)
        continue;
      const auto key = config->keys.find(session.session.session_id);
      if (key != config->keys.end())
        keys.push_back(key->second);
    }
    report.on_router = keys.size();
    const auto read_started = Clock::now();
    auto states = driver_.read_state(keys);
    report.read_time = since(read_started);
    if (!states) {
      // Nothing is concluded from a router that could not be asked.
      spdlog::warn("router {}: state not read: {}", options_.router_name, states.error().message);
    } else {
      const std::int64_t read_ms = clock_.now_ms();
      Steps steps;
      for (auto& session : sessions) {
        if (!session.record || !session.record->on_router)
          continue;
        const auto key = config->keys.find(session.session.session_id);
        if (key == config->keys.end())
          continue;
        const auto state = states->find(key->second.name);
        const std::optional<router::SessionState> observed =
            state == states->end() ? std::nullopt : std::optional(state->second);
        steps.emplace_back(&session, after_observation(session, observed, read_ms));
      }
      if (auto taken = take_all(steps); !taken)
        return std::unexpected(taken.error());
      for (const auto& [session, step] : steps) {
        if (step.to && session->session.status == *step.to) {
          if (*step.to == model::SessionStatus::established)
            ++report.established;
          else if (*step.to == model::SessionStatus::down)
            ++report.down;
        }
        if (session->session.status == model::SessionStatus::configured && session->record &&
            session->record->configured_at_ms &&
            read_ms - *session->record->configured_at_ms <= options_.fast_start_window_ms)
          report.waiting = true;
      }
    }
  }

  std::vector<store::RouterRecord> records;
  records.reserve(changed_records.size());
  for (auto& [id, record] : changed_records)
    records.push_back(std::move(record));
  if (auto saved = store_.save_router_records(records); !saved)
    return std::unexpected(saved.error());
  return report;
}

Result<void> Reconciler::release_lease() {
  const std::int64_t now = clock_.now_ms();
  auto released = store_.claim_lease(options_.router_name, options_.holder, now, now);
  if (!released)
    return std::unexpected(released.error());
  return {};
}

ReconcileLoop::ReconcileLoop(Reconciler& reconciler, std::chrono::milliseconds interval,
                             std::chrono::milliseconds fast_interval, ChangeMarker marker)
    : reconciler_(reconciler),
      interval_(interval),
      fast_interval_(fast_interval),
      marker_(std::move(marker)) {}

ReconcileLoop::~ReconcileLoop() {
  stop();
}

void ReconcileLoop::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_)
    return;
  thread_ = std::thread([this] { run(); });
}

void ReconcileLoop::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void ReconcileLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
    if (auto released = reconciler_.release_lease(); !released)
      spdlog::warn("router lease not released: {}", released.error().message);
  }
}

std::uint64_t ReconcileLoop::passes() const {
  std::lock_guard lock(mutex_);
  return passes_;
}

void ReconcileLoop::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_)
        return;
      poked_ = false;
    }
    bool waiting = false;
    auto report = reconciler_.run_pass();
    if (!report) {
      spdlog::error("reconcile pass failed: {}", report.error().message);
    } else {
      waiting = report->waiting;
      if (report->configured + report->established + report->down + report->unestablished +
              report->removed >
          0) {
        spdlog::info(
            "reconcile: {} configured, {} established, {} down, {} unestablished, {} removed "
            "({} on the router; apply {} ms, read {} ms)",
            report->configured, report->established, report->down, report->unestablished,
            report->removed, report->on_router, report->apply_time.count(),
            report->read_time.count());
      }
    }
    const std::optional<std::int64_t> seen = marker_ ? marker_() : std::nullopt;
    std::unique_lock lock(mutex_);
    ++passes_;
    if (waiting || !marker_) {
      wake_.wait_for(lock, waiting ? fast_interval_ : interval_,
                     [this] { return stopping_ || poked_; });
    } else {
      // Until the interval ends: look at the marker every fast interval.
      const auto until = std::chrono::steady_clock::now() + interval_;
      while (!stopping_ && !poked_ && std::chrono::steady_clock::now() < until) {
        wake_.wait_for(lock,
                       std::min<std::chrono::steady_clock::duration>(
                           fast_interval_, until - std::chrono::steady_clock::now()),
                       [this] { return stopping_ || poked_; });
        if (stopping_ || poked_)
          break;
        lock.unlock();
        const std::optional<std::int64_t> now_seen = marker_();
        lock.lock();
        if (now_seen != seen)
          break;
      }
    }
    if (stopping_)
      return;
  }
}

}  // namespace peerapi::lifecycle
