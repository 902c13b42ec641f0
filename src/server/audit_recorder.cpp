#include "server/audit_recorder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "model/uuid.hpp"

namespace peerapi::server {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxText = 200;

/// Caller-controlled text as stored: at most kMaxText bytes, cut before a UTF-8 continuation
/// byte so a multi-byte character is never split (PostgreSQL refuses invalid UTF-8, which would
/// fail the write the entry belongs to), control characters as '?'.
std::string clean(std::string_view text) {
  std::size_t length = std::min(text.size(), kMaxText);
  while (length > 0 && length < text.size() &&
         (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80)
    --length;
  std::string out(text.substr(0, length));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  }
  return out;
}

std::string_view failure_name(auth::AuthFailure failure) {
  switch (failure) {
    case auth::AuthFailure::no_credentials:
      return "no_credentials";
    case auth::AuthFailure::invalid_request:
      return "invalid_request";
    case auth::AuthFailure::invalid_token:
      return "invalid_token";
    case auth::AuthFailure::invalid_dpop_proof:
      return "invalid_dpop_proof";
    case auth::AuthFailure::use_dpop_nonce:
      return "use_dpop_nonce";
    case auth::AuthFailure::invalid_signature:
      return "invalid_signature";
    case auth::AuthFailure::unavailable:
      return "unavailable";
  }
  return "unknown";
}

const json::array* array_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr ? value->if_array() : nullptr;
}

std::string string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  const json::string* text = value != nullptr ? value->if_string() : nullptr;
  return text != nullptr ? clean(*text) : std::string();
}

/// "name:code" for each {name, code, errors} of `errors` (api::encode_field_error).
void add_reasons(const json::array& errors, std::vector<std::string>& reasons) {
  for (const json::value& item : errors) {
    const json::object* error = item.if_object();
    if (error == nullptr)
      continue;
    reasons.push_back(string_at(*error, "name") + ":" + string_at(*error, "code"));
  }
}

/// Appends sessions[].session_id of `object` to `ids`; returns how many sessions it lists.
std::size_t add_session_ids(const json::object& object, std::vector<std::string>& ids) {
  const json::array* sessions = array_at(object, "sessions");
  if (sessions == nullptr)
    return 0;
  for (const json::value& item : *sessions) {
    if (const json::object* session = item.if_object()) {
      if (std::string id = string_at(*session, "session_id"); !id.empty())
        ids.push_back(std::move(id));
    }
  }
  return sessions->size();
}

}  // namespace

std::string_view audit_decision(std::string_view action, int status, std::size_t done,
                                std::size_t refused) {
  if (status >= 500)
    return "failed";
  if (action == "create_sessions") {
    if (status == 200)
      return refused == 0 ? "accepted" : "partially_accepted";
    if (status == 422)
      return "rejected";
  } else if (action == "delete_session") {
    if (status >= 200 && status < 300)
      return "deleted";
  } else if (action == "delete_sessions") {
    if (status == 200) {
      if (done == 0)
        return "rejected";
      return refused == 0 ? "deleted" : "partially_deleted";
    }
  } else if (action == "client_register") {
    if (status == 200)
      return "registered";
  }
  if (status >= 200 && status < 300)
    return "accepted";
  return "refused";
}

store::AuditEntry audit_entry_start(const HttpRequest& request, const AuditCall& call,
                                    std::int64_t now_ms) {
  store::AuditEntry entry;
  entry.at_ms = now_ms;
  entry.source_address = clean(request.remote_address);
  entry.action = std::string(call.action);
  if (call.principal != nullptr) {
    entry.subject = clean(call.principal->subject);
    entry.email = clean(call.principal->email.value_or(""));
    entry.issuer = clean(call.principal->issuer);
    entry.asns = call.principal->asns;
  }
  if (call.action == "client_register") {
    // The IdP asked for, as the unauthenticated caller's only identity.
    boost::system::error_code ec;
    const json::value body = json::parse(request.body, ec);
    if (!ec && body.is_object())
      entry.issuer = string_at(body.get_object(), "idp_base");
  }
  if (!call.path_session_id.empty() && model::Uuid::parse(call.path_session_id, "session_id"))
    entry.session_ids.emplace_back(call.path_session_id);
  return entry;
}

void settle_audit_entry(store::AuditEntry& entry, int status, std::size_t done, std::size_t refused,
                        std::span<const Error> reasons) {
  entry.status = status;
  for (const Error& reason : reasons)
    entry.reasons.push_back(clean(reason.field) + ":" + clean(to_string(reason.code)));
  entry.decision = std::string(audit_decision(entry.action, status, done, refused));
}

store::AuditEntry audit_entry_for(const HttpRequest& request, const AuditCall& call,
                                  const HttpResponse& response, std::int64_t now_ms) {
  store::AuditEntry entry = audit_entry_start(request, call, now_ms);
  entry.status = response.status;
  std::size_t done = 0;
  std::size_t refused = 0;
  if (call.auth_error != nullptr) {
    entry.reasons.push_back(clean(call.auth_error->field) + ":" +
                            std::string(failure_name(call.auth_error->failure)));
  } else {
    boost::system::error_code ec;
    const json::value answer = json::parse(response.body, ec);
    if (!ec && answer.is_object()) {
      const json::object& object = answer.get_object();
      entry.request_id = string_at(object, "request_id");
      entry.client_request_id = string_at(object, "client_request_id");
      done = add_session_ids(object, entry.session_ids);
      if (const json::array* errors = array_at(object, "errors")) {
        add_reasons(*errors, entry.reasons);
        refused = errors->size();
      } else if (const json::array* rejected = array_at(object, "rejected")) {
        for (const json::value& item : *rejected) {
          if (const json::object* session = item.if_object()) {
            if (const json::array* listed = array_at(*session, "errors"))
              add_reasons(*listed, entry.reasons);
          }
        }
      }
      if (const json::array* rejected = array_at(object, "rejected"))
        refused = rejected->size();
    }
  }
  entry.decision = std::string(audit_decision(call.action, response.status, done, refused));
  return entry;
}

void AuditRecorder::record(const HttpRequest& request, const AuditCall& call,
                           const HttpResponse& response) {
  const store::AuditEntry entry = audit_entry_for(request, call, response, clock_.now_ms());
  auto appended = store_.append_audit(entry);
  if (!appended) {
    failures_.fetch_add(1);
    spdlog::error("audit: cannot record {} (HTTP {}): {}", entry.action, entry.status,
                  appended.error().message);
    return;
  }
  recorded_.fetch_add(1);
}

}  // namespace peerapi::server
