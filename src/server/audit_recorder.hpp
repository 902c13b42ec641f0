// Records every state-changing call that reached routing in the audit log (store/audit.hpp,
// docs/operations.md "Audit log"). The entry is built from the request's remote address, the
// principal and the answer the handler produced: never from a header or a body member that may
// hold a credential or a session secret.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "auth/authenticator.hpp"
#include "auth/principal.hpp"
#include "model/error.hpp"
#include "server/http_types.hpp"
#include "store/audit.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// What the handler knew about one state-changing call.
struct AuditCall {
  /// "create_sessions", "delete_session", "delete_sessions" or "client_register".
  std::string_view action;
  /// The authenticated caller; nullptr when authentication failed (auth_error then says why) or
  /// the endpoint is unauthenticated (client_register).
  const auth::Principal* principal = nullptr;
  const auth::AuthError* auth_error = nullptr;
  /// The {id} of DELETE /sessions/{id} as sent (recorded only when it is a UUID).
  std::string_view path_session_id;
  /// Set by a handler whose store write appended the entry in its own transaction
  /// (store::RequestDraft::audit, Store::transition's audit_if_moved): nothing is left to record.
  bool stored_with_write = false;
};

/// The part of `call`'s entry known before the answer: when (`now_ms`), from where, who, what,
/// and the session id of the path. Pure; audit_entry_for starts from it.
store::AuditEntry audit_entry_start(const HttpRequest& request, const AuditCall& call,
                                    std::int64_t now_ms);

/// Completes an entry started by audit_entry_start from what the handler knew as values
/// (rather than from its JSON answer): the answer's status, how many sessions were done and
/// refused, and the reasons, each as "field:code" like audit_entry_for. Pure.
void settle_audit_entry(store::AuditEntry& entry, int status, std::size_t done, std::size_t refused,
                        std::span<const Error> reasons);

/// The entry for `call`, answered with `response`, at `now_ms`. Pure. Reads from the answer
/// (ours): request_id, client_request_id, sessions[].session_id, and each error's name and code
/// as a reason "name:code"; from the request only remote_address, and for client_register the
/// body member idp_base. Authentication failures give the reason "<field>:<failure>", e.g.
/// "Authorization:invalid_token". Text taken from the caller is cut to 200 bytes and control
/// characters become '?'.
store::AuditEntry audit_entry_for(const HttpRequest& request, const AuditCall& call,
                                  const HttpResponse& response, std::int64_t now_ms);

/// The decision an answer stands for (store::AuditEntry::decision), by action and status.
std::string_view audit_decision(std::string_view action, int status, std::size_t done,
                                std::size_t refused);

class AuditRecorder {
 public:
  AuditRecorder(store::Store& store, const util::Clock& clock) : store_(store), clock_(clock) {}

  /// Appends the entry of `call`. A store failure is logged (error level, without the entry's
  /// values) and counted in failures(); it never fails or changes the caller's answer, which
  /// was decided (and its sessions committed) before.
  void record(const HttpRequest& request, const AuditCall& call, const HttpResponse& response);

  /// audit_entry_start at the recorder's clock, for a handler that appends the entry with its
  /// own store write; it calls stored_with_write() once that write committed.
  [[nodiscard]] store::AuditEntry start(const HttpRequest& request, const AuditCall& call) const {
    return audit_entry_start(request, call, clock_.now_ms());
  }
  void stored_with_write() noexcept { recorded_.fetch_add(1); }

  /// Entries appended, and appends that failed, since start.
  [[nodiscard]] std::uint64_t recorded() const noexcept { return recorded_.load(); }
  [[nodiscard]] std::uint64_t failures() const noexcept { return failures_.load(); }

 private:
  store::Store& store_;
  const util::Clock& clock_;
  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace peerapi::server
