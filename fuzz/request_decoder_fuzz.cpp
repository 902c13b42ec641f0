// libFuzzer target: the POST /sessions and DELETE /sessions body decoders (untrusted bytes from
// any caller). Invariants checked beyond "no crash": every error names a code, and a decoded
// session never carries both a request and errors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const peerapi::api::DecodeLimits limits{.max_sessions = 100, .max_depth = 16};
  if (auto decoded = peerapi::api::decode_create_sessions(body, limits)) {
    for (const auto& session : decoded->sessions) {
      if (session.request.has_value() == !session.errors.empty())
        std::abort();
      for (const auto& error : session.errors) {
        if (error.field.rfind("sessions[", 0) != 0)
          std::abort();  // paths are rooted
      }
      if (session.request)
        (void)peerapi::api::encode_session(
            peerapi::model::Session{.session_id = peerapi::model::Uuid::v4_from_bytes({}),
                                    .request_id = peerapi::model::Uuid::v4_from_bytes({}),
                                    .fields = *session.request,
                                    .status = peerapi::model::SessionStatus::approved,
                                    .created_at_ms = 0,
                                    .updated_at_ms = 0});
    }
  } else if (peerapi::to_string(decoded.error().code).empty()) {
    std::abort();
  }
  (void)peerapi::api::decode_delete_sessions(body, limits);
  return 0;
}
