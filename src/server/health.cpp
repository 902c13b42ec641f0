#include "server/health.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "api/codec.hpp"
#include "server/responses.hpp"

namespace peerapi::server {

namespace json = boost::json;

SourceCheck check_source(const SourceState& state, std::int64_t stale_after_ms,
                         std::int64_t now_ms) {
  SourceCheck check;
  if (state.last_success_ms > 0)
    check.age_seconds = std::max<std::int64_t>(0, (now_ms - state.last_success_ms) / 1000);
  if (!state.up) {
    check.degraded = true;
    check.message = state.last_success_ms > 0 ? "the last refresh failed; serving older data"
                                              : "no data loaded yet";
  } else if (stale_after_ms > 0 && now_ms - state.last_success_ms > stale_after_ms) {
    check.degraded = true;
    check.message =
        "no successful refresh for longer than " + std::to_string(stale_after_ms / 1000) + " s";
  }
  return check;
}

HttpResponse Readiness::answer(const Result<void>& store_ping,
                               const sources::peeringdb::Snapshot* snapshot, std::int64_t now_ms) {
  json::object checks;
  std::vector<Error> errors;
  if (store_ping) {
    checks["store"] = json::object{{"status", "ok"}};
    if (store_failing_.exchange(false))
      spdlog::info("readiness: the store answers again");
  } else {
    checks["store"] =
        json::object{{"status", "failing"}, {"message", "the session store does not answer"}};
    errors.push_back(Error{ErrorCode::unavailable, "store", "the session store does not answer"});
    if (!store_failing_.exchange(true))
      spdlog::warn("readiness: store ping failed: {}", store_ping.error().message);
  }
  json::object peeringdb;
  if (snapshot != nullptr) {
    peeringdb = json::object{{"status", "ok"},
                             {"networks", snapshot->network_count()},
                             {"exchanges", snapshot->exchange_count()}};
  } else {
    peeringdb = json::object{{"status", "failing"}, {"message", "PeeringDB data not loaded"}};
    errors.push_back(Error{ErrorCode::unavailable, "peeringdb", "PeeringDB data not loaded"});
  }
  checks["peeringdb"] = std::move(peeringdb);
  for (const SourceProbe& source : sources_) {
    const SourceCheck check = check_source(source.state(), source.stale_after_ms, now_ms);
    json::value& slot = checks[source.name];
    if (!slot.is_object())
      slot.emplace_object();
    json::object& entry = slot.as_object();
    if (entry.if_contains("status") == nullptr || entry["status"] == "ok")
      entry["status"] = check.degraded ? "degraded" : "ok";
    if (check.age_seconds)
      entry["age_seconds"] = *check.age_seconds;
    if (check.degraded)
      entry["message"] = check.message;
  }

  if (errors.empty()) {
    json::object body{{"status", "ready"},
                      {"peeringdb_networks", snapshot->network_count()},
                      {"peeringdb_exchanges", snapshot->exchange_count()},
                      {"checks", std::move(checks)}};
    return json_response(200, json::serialize(body));
  }
  json::array encoded;
  for (const Error& e : errors)
    encoded.push_back(api::encode_field_error(e));
  json::object body{
      {"status", "not_ready"}, {"checks", std::move(checks)}, {"errors", std::move(encoded)}};
  HttpResponse response = json_response(503, json::serialize(body));
  response.headers.emplace_back("Retry-After", "5");
  return response;
}

}  // namespace peerapi::server
