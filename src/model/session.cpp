#include "model/session.hpp"

namespace peerapi::model {

std::string_view to_string(SessionStatus status) noexcept {
  switch (status) {
    case SessionStatus::pending:
      return "pending";
    case SessionStatus::approved:
      return "approved";
    case SessionStatus::rejected:
      return "rejected";
    case SessionStatus::configured:
      return "configured";
    case SessionStatus::established:
      return "established";
    case SessionStatus::down:
      return "down";
    case SessionStatus::unestablished:
      return "unestablished";
    case SessionStatus::deleted:
      return "deleted";
  }
  return "pending";
}

Result<SessionStatus> parse_session_status(std::string_view text, std::string_view field) {
  for (auto s : {SessionStatus::pending, SessionStatus::approved, SessionStatus::rejected,
                 SessionStatus::configured, SessionStatus::established, SessionStatus::down,
                 SessionStatus::unestablished, SessionStatus::deleted}) {
    if (to_string(s) == text)
      return s;
  }
  return fail(ErrorCode::invalid_value, std::string(field),
              "unknown session status \"" + std::string(text.substr(0, 40)) + "\"");
}

bool is_live(SessionStatus status) noexcept {
  return status != SessionStatus::rejected && status != SessionStatus::deleted &&
         status != SessionStatus::unestablished;
}

Result<SessionSecret> SessionSecret::parse(std::string_view text, std::string_view field) {
  if (text.empty() || text.size() > 80) {
    return fail(ErrorCode::invalid_secret, std::string(field),
                "a session secret is 1 to 80 characters long (TCP MD5 key limit); got " +
                    std::to_string(text.size()));
  }
  for (char c : text) {
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\' || c == '\'') {
      return fail(ErrorCode::invalid_secret, std::string(field),
                  "a session secret may contain only printable ASCII without spaces, quotes or "
                  "backslashes");
    }
  }
  return SessionSecret(std::string(text));
}

}  // namespace peerapi::model
