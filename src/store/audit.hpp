// The audit log (docs/operations.md "Audit log"): one entry per state-changing call that reached
// routing (POST /sessions, DELETE /sessions/{id}, DELETE /sessions, POST /oauth/client_register)
// and per state-changing operator command (`peerapi admin approve | reject`). An entry says who
// (principal), what (action, ids), the decision with its reasons, and the HTTP status. It never
// holds a credential (token, DPoP proof, signature) or a session secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"

namespace peerapi::store {

/// One audit entry. Text fields are stored as given (the recorder bounds and cleans them).
struct AuditEntry {
  std::int64_t id = 0;         // assigned by append_audit, ascending in commit order
  std::int64_t at_ms = 0;      // Unix time, milliseconds (the injected clock)
  std::string source_address;  // the caller's IP address, or "cli" for operator commands
  std::string subject;         // principal subject; "admin:<unix user>" for operator commands
  std::string email;
  std::string issuer;
  std::vector<model::Asn> asns;  // the ASNs the principal may act for
  /// create_sessions, delete_session, delete_sessions, client_register, admin_approve,
  /// admin_reject.
  std::string action;
  std::string request_id;         // ours (the definitive id of a POST /sessions)
  std::string client_request_id;  // the client's request_id, when it gave one
  std::vector<std::string> session_ids;
  int status = 0;  // HTTP status; 0 for an operator command
  /// accepted, partially_accepted, rejected, refused (401/403/4xx before any decision),
  /// deleted, partially_deleted, registered, approved, failed (5xx or a store error).
  std::string decision;
  /// Stable reason codes with their field paths: "sessions[1].local_ip:ip_not_at_location".
  std::vector<std::string> reasons;
  bool operator==(const AuditEntry&) const = default;
};

/// Most entries one list_audit call returns.
inline constexpr int kMaxAuditLimit = 10000;

struct AuditQuery {
  std::optional<model::Asn> asn;         // entries whose principal may act for this ASN
  std::optional<std::int64_t> since_ms;  // at_ms >= since_ms
  std::optional<std::int64_t> until_ms;  // at_ms < until_ms
  int limit = 100;                       // 1 to kMaxAuditLimit
  std::optional<std::int64_t> after_id;  // entries with id > after_id (paging)
  /// false: the first `limit` matching entries in id order; true: the last `limit` ones (the
  /// newest), still returned in ascending id order.
  bool newest_first = false;
};

/// Checks what both backends refuse alike: invalid_value at "action" or "decision" when empty,
/// at "at_ms" when negative, and at the field (e.g. "reasons[2]") of any text with a NUL byte.
inline Result<void> validate_audit_entry(const AuditEntry& entry) {
  if (entry.action.empty())
    return fail(ErrorCode::invalid_value, "action", "an audit entry needs its action");
  if (entry.decision.empty())
    return fail(ErrorCode::invalid_value, "decision", "an audit entry needs its decision");
  if (entry.at_ms < 0)
    return fail(ErrorCode::invalid_value, "at_ms", "at_ms must not be negative");
  const std::pair<std::string_view, const std::string*> texts[] = {
      {"source_address", &entry.source_address},
      {"subject", &entry.subject},
      {"email", &entry.email},
      {"issuer", &entry.issuer},
      {"action", &entry.action},
      {"request_id", &entry.request_id},
      {"client_request_id", &entry.client_request_id},
      {"decision", &entry.decision}};
  for (const auto& [name, text] : texts) {
    if (text->find('\0') != std::string::npos)
      return fail(ErrorCode::invalid_value, std::string(name), "a NUL byte cannot be stored");
  }
  const std::pair<std::string_view, const std::vector<std::string>*> lists[] = {
      {"session_ids", &entry.session_ids}, {"reasons", &entry.reasons}};
  for (const auto& [name, list] : lists) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i].find('\0') != std::string::npos) {
        return fail(ErrorCode::invalid_value, std::string(name) + "[" + std::to_string(i) + "]",
                    "a NUL byte cannot be stored");
      }
    }
  }
  return {};
}

/// Checks a query: out_of_range at "limit" outside 1..kMaxAuditLimit, invalid_value at
/// "until_ms" when it is not after since_ms.
inline Result<void> validate_audit_query(const AuditQuery& query) {
  if (query.limit < 1 || query.limit > kMaxAuditLimit) {
    return fail(ErrorCode::out_of_range, "limit",
                "limit must be 1 to " + std::to_string(kMaxAuditLimit));
  }
  if (query.since_ms && query.until_ms && *query.until_ms <= *query.since_ms)
    return fail(ErrorCode::invalid_value, "until_ms", "until must be after since");
  return {};
}

/// A list of texts as one stored column: elements joined by '\n', with '\\' and '\n' inside an
/// element escaped as "\\\\" and "\\n". The empty list is "" (so one empty element is "\\e").
inline std::string join_audit_list(const std::vector<std::string>& list) {
  if (list.size() == 1 && list.front().empty())
    return "\\e";
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0)
      out += '\n';
    for (char c : list[i]) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
  }
  return out;
}

/// The inverse of join_audit_list.
inline std::vector<std::string> split_audit_list(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty())
    return out;
  if (text == "\\e")
    return {std::string()};
  out.emplace_back();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      out.emplace_back();
    } else if (c == '\\' && i + 1 < text.size()) {
      out.back() += text[i + 1] == 'n' ? '\n' : text[i + 1];
      ++i;
    } else {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace peerapi::store
