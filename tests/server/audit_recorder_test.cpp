// server/audit_recorder.hpp: the decision an answer stands for, and the entry built from a
// request and its answer, which takes nothing from the credentials or the request body.
#include "server/audit_recorder.hpp"

#include <gtest/gtest.h>

namespace peerapi::server {
namespace {

TEST(AuditDecision, ByActionAndStatus) {
  struct Row {
    std::string_view action;
    int status;
    std::size_t done, refused;
    std::string_view decision;
  };
  const Row rows[] = {
      {"create_sessions", 200, 2, 0, "accepted"},
      {"create_sessions", 200, 1, 1, "partially_accepted"},
      {"create_sessions", 422, 0, 2, "rejected"},
      {"create_sessions", 400, 0, 0, "refused"},
      {"create_sessions", 401, 0, 0, "refused"},
      {"create_sessions", 403, 0, 0, "refused"},
      {"create_sessions", 409, 0, 0, "refused"},
      {"create_sessions", 503, 0, 0, "failed"},
      {"delete_session", 204, 0, 0, "deleted"},
      {"delete_session", 404, 0, 0, "refused"},
      {"delete_sessions", 200, 2, 0, "deleted"},
      {"delete_sessions", 200, 1, 1, "partially_deleted"},
      {"delete_sessions", 200, 0, 1, "rejected"},
      {"client_register", 200, 0, 0, "registered"},
      {"client_register", 403, 0, 0, "refused"},
      {"client_register", 503, 0, 0, "failed"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.action) + " " + std::to_string(row.status));
    EXPECT_EQ(audit_decision(row.action, row.status, row.done, row.refused), row.decision);
  }
}

HttpRequest request_with_secrets() {
  HttpRequest request;
  request.method = "POST";
  request.target = "/sessions";
  request.remote_address = "198.51.100.7";
  request.body = R"({"sessions":[{"session_secret":"never-stored-secret"}]})";
  request.fields = {{"Authorization", "Bearer never-stored-token"}, {"DPoP", "never-stored-proof"}};
  return request;
}

TEST(AuditEntryFor, PartiallyAcceptedCreateTakesIdsAndReasonCodesFromTheAnswer) {
  const auth::Principal principal{.subject = "noc@as64501.example",
                                  .issuer = "https://idp.example",
                                  .email = "noc@example.net",
                                  .asns = {*model::Asn::from_number(64501)}};
  HttpResponse response;
  response.status = 200;
  response.body =
      R"({"request_id":"0190a5c4-0000-7000-8000-000000000001","client_request_id":"5b0e8c9e-0000-4000-8000-000000000002",)"
      R"("sessions":[{"session_id":"0190a5c4-0000-7000-8000-00000000000a","status":"approved"}],)"
      R"("rejected":[{"local_ip":"203.0.113.9","errors":[{"name":"sessions[1].local_ip","code":"ip_not_at_location","errors":["203.0.113.9 is not ..."]}]}]})";
  const store::AuditEntry entry = audit_entry_for(
      request_with_secrets(), AuditCall{"create_sessions", &principal, nullptr, {}}, response, 42);
  EXPECT_EQ(entry.at_ms, 42);
  EXPECT_EQ(entry.source_address, "198.51.100.7");
  EXPECT_EQ(entry.subject, "noc@as64501.example");
  EXPECT_EQ(entry.email, "noc@example.net");
  EXPECT_EQ(entry.issuer, "https://idp.example");
  EXPECT_EQ(entry.asns, principal.asns);
  EXPECT_EQ(entry.action, "create_sessions");
  EXPECT_EQ(entry.request_id, "0190a5c4-0000-7000-8000-000000000001");
  EXPECT_EQ(entry.client_request_id, "5b0e8c9e-0000-4000-8000-000000000002");
  EXPECT_EQ(entry.session_ids, std::vector<std::string>{"0190a5c4-0000-7000-8000-00000000000a"});
  EXPECT_EQ(entry.status, 200);
  EXPECT_EQ(entry.decision, "partially_accepted");
  EXPECT_EQ(entry.reasons, std::vector<std::string>{"sessions[1].local_ip:ip_not_at_location"});
}

TEST(AuditEntryFor, AuthenticationFailureRecordsTheFailureCodeOnly) {
  const auth::AuthError error(auth::AuthFailure::invalid_token, "the token has expired");
  HttpResponse response;
  response.status = 401;
  response.body =
      R"({"errors":[{"name":"Authorization","code":"unauthenticated","errors":["x"]}]})";
  const store::AuditEntry entry =
      audit_entry_for(request_with_secrets(),
                      AuditCall{"delete_session", nullptr, &error, "not-a-uuid"}, response, 7);
  EXPECT_TRUE(entry.subject.empty());
  EXPECT_TRUE(entry.asns.empty());
  EXPECT_TRUE(entry.session_ids.empty()) << "only a UUID from the path is recorded";
  EXPECT_EQ(entry.decision, "refused");
  EXPECT_EQ(entry.reasons, std::vector<std::string>{"Authorization:invalid_token"});
}

TEST(AuditEntryFor, CallerTextIsCutAndControlCharactersReplaced) {
  HttpResponse response;
  response.status = 400;
  response.body =
      R"({"errors":[{"name":"sessions[0].a\nb","code":"unknown_field","errors":["x"]}]})";
  const store::AuditEntry entry = audit_entry_for(
      request_with_secrets(), AuditCall{"create_sessions", nullptr, nullptr, {}}, response, 7);
  EXPECT_EQ(entry.reasons, std::vector<std::string>{"sessions[0].a?b:unknown_field"});
  EXPECT_EQ(entry.decision, "refused");
}

TEST(AuditEntryFor, LongCallerTextIsCutBetweenUtf8Characters) {
  // 199 ASCII bytes, then "é" (2 bytes) across the 200-byte limit: the cut falls before it.
  const std::string subject = std::string(199, 'a') + "\xC3\xA9" + "tail";
  const auth::Principal principal{.subject = subject,
                                  .issuer = "https://idp.example",
                                  .email = std::string(198, 'b') + "\xC3\xA9",
                                  .asns = {*model::Asn::from_number(64501)}};
  HttpResponse response;
  response.status = 400;
  response.body = R"({"errors":[]})";
  const store::AuditEntry entry = audit_entry_for(
      request_with_secrets(), AuditCall{"create_sessions", &principal, nullptr, {}}, response, 1);
  EXPECT_EQ(entry.subject, std::string(199, 'a'));
  // Exactly 200 bytes ending on a whole character is kept as it is.
  EXPECT_EQ(entry.email, std::string(198, 'b') + "\xC3\xA9");
}

}  // namespace
}  // namespace peerapi::server
