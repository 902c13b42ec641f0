#include "lifecycle/session_lifecycle.hpp"

namespace peerapi::lifecycle {

namespace {

using model::SessionStatus;

/// Apply errors are recorded with this prefix, so a later accepted apply knows to clear them
/// (the daemon's own errors stay until the next state read replaces them).
constexpr std::string_view kApplyErrorPrefix = "configuration not applied: ";

store::RouterRecord record_of(const store::RouterSession& session) {
  return session.record ? *session.record : fresh_record(session.session.session_id);
}

}  // namespace

bool belongs_on_router(SessionStatus status) noexcept {
  switch (status) {
    case SessionStatus::approved:
    case SessionStatus::configured:
    case SessionStatus::established:
    case SessionStatus::down:
      return true;
    default:
      return false;
  }
}

store::RouterRecord fresh_record(const model::Uuid& session_id) {
  return store::RouterRecord{.session_id = session_id,
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
}

Step after_apply(const store::RouterSession& session, bool included, std::int64_t now_ms,
                 std::string_view router_name) {
  Step step{.to = std::nullopt, .note = "", .record = record_of(session)};
  store::RouterRecord& record = step.record;
  const SessionStatus status = session.session.status;
  if (included) {
    record.on_router = true;
    if (!record.configured_at_ms)
      record.configured_at_ms = now_ms;
    if (record.last_error.starts_with(kApplyErrorPrefix))
      record.last_error.clear();
    if (status == SessionStatus::approved) {
      step.to = SessionStatus::configured;
      step.note = "configured on router " + std::string(router_name);
    }
    return step;
  }
  if (record.on_router) {
    record.on_router = false;
    record.bgp_state.clear();
    if (status == SessionStatus::deleted || status == SessionStatus::unestablished) {
      step.to = status;  // a history entry without a status change
      step.note = "removed from router " + std::string(router_name);
    }
  }
  return step;
}

Step after_failed_apply(const store::RouterSession& session, std::string_view error,
                        std::int64_t now_ms) {
  Step step{.to = std::nullopt, .note = "", .record = record_of(session)};
  if (!step.record.on_router) {
    step.record.last_error = std::string(kApplyErrorPrefix) + std::string(error);
    step.record.observed_at_ms = now_ms;
  }
  return step;
}

Step after_observation(const store::RouterSession& session,
                       const std::optional<router::SessionState>& state, std::int64_t now_ms) {
  Step step{.to = std::nullopt, .note = "", .record = record_of(session)};
  store::RouterRecord& record = step.record;
  record.observed_at_ms = now_ms;
  const SessionStatus status = session.session.status;
  if (!state) {
    record.bgp_state.clear();
    record.last_error = "the router has no such session";
    record.prefixes_received.reset();
    record.prefixes_accepted.reset();
    if (status == SessionStatus::established) {
      step.to = SessionStatus::down;
      step.note = "BGP session down: the router has no such session";
      record.down_at_ms = now_ms;
      ++record.flaps;
    }
    return step;
  }
  record.bgp_state = std::string(router::to_string(state->state));
  if (!state->last_error.empty())
    record.last_error = state->last_error;
  record.prefixes_received =
      state->prefixes_received ? std::optional(static_cast<std::int64_t>(*state->prefixes_received))
                               : std::nullopt;
  record.prefixes_accepted =
      state->prefixes_accepted ? std::optional(static_cast<std::int64_t>(*state->prefixes_accepted))
                               : std::nullopt;
  const bool up = state->state == router::BgpState::established;
  if (up && (status == SessionStatus::configured || status == SessionStatus::down)) {
    const std::int64_t since =
        state->seconds_in_state ? now_ms - *state->seconds_in_state * 1000 : now_ms;
    record.established_at_ms = std::min(now_ms, since);
    step.to = SessionStatus::established;
    step.note = "BGP session established";
  } else if (!up && status == SessionStatus::established) {
    record.down_at_ms = now_ms;
    ++record.flaps;
    step.to = SessionStatus::down;
    step.note = "BGP session down (" + record.bgp_state +
                (state->last_error.empty() ? "" : ": " + state->last_error) + ")";
  }
  return step;
}

std::optional<Step> expiry(const store::RouterSession& session, std::int64_t now_ms,
                           std::int64_t time_window_ms) {
  if (session.session.status != SessionStatus::configured || !session.record ||
      !session.record->configured_at_ms || session.record->established_at_ms) {
    return std::nullopt;
  }
  if (now_ms - *session.record->configured_at_ms < time_window_ms)
    return std::nullopt;
  Step step{.to = SessionStatus::unestablished,
            .note = "not established within the TimeWindow of " +
                    std::to_string(time_window_ms / 1000) +
                    " s (draft \"Completion\"); it leaves the router",
            .record = *session.record};
  return step;
}

}  // namespace peerapi::lifecycle
