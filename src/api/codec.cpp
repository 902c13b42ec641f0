#include "api/codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <limits>

#include "util/clock.hpp"

namespace peerapi::api {

namespace json = boost::json;

std::string_view json_kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a number with a fraction or exponent";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

namespace {

/// Reads an object's fields by name, recording every problem with its full path, and reports
/// the fields nobody asked for as unknown.
class FieldReader {
 public:
  FieldReader(const json::object& object, std::string path, std::vector<Error>& errors)
      : object_(object), path_(std::move(path)), errors_(errors) {}

  const json::value* find(std::string_view key) {
    known_.push_back(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &it->value();
  }

  std::string path(std::string_view key) const { return join_path(path_, key); }

  void add(ErrorCode code, std::string_view key, std::string message) {
    errors_.push_back(Error{code, path(key), std::move(message)});
  }

  void missing(std::string_view key, std::string_view what) {
    add(ErrorCode::missing_field, key,
        std::string(key) + " is required (" + std::string(what) + ")");
  }

  void wrong_type(std::string_view key, std::string_view expected, const json::value& got) {
    add(ErrorCode::wrong_type, key,
        std::string(key) + " must be " + std::string(expected) + ", got " +
            std::string(json_kind_name(got)));
  }

  /// An integer field; JSON numbers with fractions, strings and out-of-range values are errors.
  std::optional<std::int64_t> integer(std::string_view key, bool required, std::string_view what) {
    const json::value* v = find(key);
    if (v == nullptr || (v->is_null() && !required)) {
      if (required)
        missing(key, what);
      return std::nullopt;
    }
    if (v->is_int64())
      return v->get_int64();
    if (v->is_uint64()) {
      add(ErrorCode::out_of_range, key, std::string(key) + " is far too large");
      return std::nullopt;
    }
    if (v->is_double()) {
      add(ErrorCode::wrong_type, key,
          std::string(key) + " must be an integer (no fraction or exponent), got " +
              json::serialize(*v));
      return std::nullopt;
    }
    wrong_type(key, "an integer", *v);
    return std::nullopt;
  }

  std::optional<std::string_view> string(std::string_view key, bool required,
                                         std::string_view what) {
    const json::value* v = find(key);
    if (v == nullptr || (v->is_null() && !required)) {
      if (required)
        missing(key, what);
      return std::nullopt;
    }
    if (!v->is_string()) {
      wrong_type(key, "a string", *v);
      return std::nullopt;
    }
    return std::string_view(v->get_string());
  }

  std::optional<bool> boolean(std::string_view key) {
    const json::value* v = find(key);
    if (v == nullptr || v->is_null())
      return std::nullopt;
    if (!v->is_bool()) {
      wrong_type(key, "true or false", *v);
      return std::nullopt;
    }
    return v->get_bool();
  }

  void reject_unknown(std::string_view hint = {}) {
    for (const auto& [key, value] : object_) {
      bool known = false;
      for (auto k : known_)
        known = known || k == key;
      if (!known) {
        add(ErrorCode::unknown_field, key,
            "unknown field \"" + std::string(key.substr(0, 64)) + "\"" +
                (hint.empty() ? "" : " (" + std::string(hint) + ")"));
      }
    }
  }

 private:
  const json::object& object_;
  std::string path_;
  std::vector<Error>& errors_;
  std::vector<std::string_view> known_;
};

template <class T>
std::optional<T> take(Result<T> result, std::vector<Error>& errors) {
  if (result)
    return std::move(*result);
  errors.push_back(std::move(result.error()));
  return std::nullopt;
}

constexpr std::string_view kSessionFields =
    "known fields: local_asn, local_ip, peer_asn, peer_ip, local_bgp_role, peer_bgp_role, "
    "local_insert_asn, peer_insert_asn, local_monitoring_session, peer_monitoring_session, "
    "peer_type, session_secret (or md5), location, session_id, status";

DecodedSession decode_session(const json::value& value, const std::string& path) {
  DecodedSession out;
  if (!value.is_object()) {
    out.errors.push_back(
        Error{ErrorCode::wrong_type, path,
              "each session must be an object, got " + std::string(json_kind_name(value))});
    return out;
  }
  const json::object& object = value.get_object();
  for (const auto& [key, field] : object) {
    if (key != "session_secret" && key != "md5")
      out.echo.emplace(key, field);
  }
  std::vector<Error>& errors = out.errors;
  FieldReader read(object, path, errors);

  auto asn = [&](std::string_view key, std::string_view what) -> std::optional<model::Asn> {
    auto number = read.integer(key, true, what);
    if (!number)
      return std::nullopt;
    return take(model::Asn::from_number(*number, read.path(key)), errors);
  };
  auto ip = [&](std::string_view key, std::string_view what) -> std::optional<model::IpAddress> {
    auto text = read.string(key, true, what);
    if (!text)
      return std::nullopt;
    return take(model::IpAddress::parse(*text, read.path(key)), errors);
  };
  auto role = [&](std::string_view key) -> std::optional<model::BgpRole> {
    auto number = read.integer(key, false, "");
    if (!number)
      return std::nullopt;
    return take(model::bgp_role_from_number(*number, read.path(key)), errors);
  };

  auto local_asn = asn("local_asn", "your ASN, the requesting network");
  auto local_ip = ip("local_ip", "your address at the location");
  auto peer_asn = asn("peer_asn", "this server's ASN");
  auto peer_ip = ip("peer_ip", "this server's address at the location");
  const bool local_role_given =
      object.contains("local_bgp_role") && !object.at("local_bgp_role").is_null();
  const bool peer_role_given =
      object.contains("peer_bgp_role") && !object.at("peer_bgp_role").is_null();
  auto local_role = role("local_bgp_role");
  auto peer_role = role("peer_bgp_role");
  if (local_role_given != peer_role_given) {
    const std::string_view absent = local_role_given ? "peer_bgp_role" : "local_bgp_role";
    read.add(ErrorCode::role_incomplete, absent,
             "give both local_bgp_role and peer_bgp_role, or neither (both default to 4, peer)");
  }
  auto local_insert = read.boolean("local_insert_asn");
  auto peer_insert = read.boolean("peer_insert_asn");
  auto local_monitoring = read.boolean("local_monitoring_session");
  auto peer_monitoring = read.boolean("peer_monitoring_session");

  std::optional<model::LocationType> peer_type;
  if (auto text = read.string("peer_type", false, "")) {
    peer_type = take(model::parse_location_type(*text, read.path("peer_type")), errors);
  }

  std::optional<model::SessionSecret> secret;
  const bool has_secret =
      object.contains("session_secret") && !object.at("session_secret").is_null();
  const bool has_md5 = object.contains("md5") && !object.at("md5").is_null();
  if (has_secret && has_md5) {
    read.find("md5");
    read.add(ErrorCode::invalid_value, "md5", "give session_secret or its alias md5, not both");
  }
  for (std::string_view key : {"session_secret", "md5"}) {
    if (auto text = read.string(key, false, "")) {
      // The value is never echoed: messages from SessionSecret::parse do not contain it.
      secret = take(model::SessionSecret::parse(*text, read.path(key)), errors);
    }
  }

  std::optional<model::LocationId> location;
  std::optional<model::LocationType> location_type;
  if (const json::value* loc = read.find("location"); loc == nullptr || loc->is_null()) {
    read.missing("location", "{\"id\": \"pdb:ix:<id>\", \"type\": \"public\"} or the id string");
  } else if (loc->is_string()) {
    location = take(model::LocationId::parse(loc->get_string(), read.path("location")), errors);
  } else if (loc->is_object()) {
    FieldReader loc_read(loc->get_object(), read.path("location"), errors);
    if (auto id = loc_read.string("id", true, "\"pdb:ix:<id>\" or \"pdb:fac:<id>\"")) {
      location = take(model::LocationId::parse(*id, loc_read.path("id")), errors);
    }
    if (auto type = loc_read.string("type", false, "")) {
      location_type = take(model::parse_location_type(*type, loc_read.path("type")), errors);
    }
    loc_read.reject_unknown("known fields: id, type");
  } else {
    read.wrong_type("location", "an object {\"id\", \"type\"} or a location id string", *loc);
  }

  // Server-assigned fields: tolerated on input (a client may send back what it received) but
  // never trusted.
  if (const json::value* id = read.find("session_id"); id != nullptr && !id->is_null()) {
    read.add(ErrorCode::invalid_value, "session_id",
             "session_id is assigned by the server; leave it out when creating sessions");
  }
  read.find("status");
  read.reject_unknown(kSessionFields);

  if (location && location_type && *location_type != location->type()) {
    errors.push_back(Error{ErrorCode::peer_type_mismatch, read.path("location.type"),
                           "location type \"" + std::string(model::to_string(*location_type)) +
                               "\" does not match " + location->to_string()});
  }
  if (!errors.empty() || !local_asn || !local_ip || !peer_asn || !peer_ip || !location) {
    return out;
  }
  out.request = model::SessionRequest{
      .local_asn = *local_asn,
      .local_ip = *local_ip,
      .peer_asn = *peer_asn,
      .peer_ip = *peer_ip,
      .local_bgp_role = local_role.value_or(model::BgpRole::peer),
      .peer_bgp_role = peer_role.value_or(model::BgpRole::peer),
      .local_insert_asn = local_insert.value_or(true),
      .peer_insert_asn = peer_insert.value_or(true),
      .local_monitoring_session = local_monitoring.value_or(false),
      .peer_monitoring_session = peer_monitoring.value_or(false),
      .peer_type = peer_type.value_or(location->type()),
      .session_secret = std::move(secret),
      .location = *location,
  };
  return out;
}

/// The initiator's own Peering API endpoint (draft section 7): https only; plain http is
/// accepted for loopback hosts so that two servers on one machine can be tested.
Result<std::string> decode_return_url(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  const bool loopback = url && (url->host() == "127.0.0.1" || url->host() == "localhost" ||
                                url->host() == "::1" || url->encoded_host() == "[::1]");
  if (!url || text.size() > 2048 || url->encoded_host().empty() ||
      !(url->scheme() == "https" || (url->scheme() == "http" && loopback))) {
    return fail(ErrorCode::invalid_url, "return_url",
                "return_url must be an absolute https URL of your Peering API endpoint");
  }
  return std::string(text);
}

}  // namespace

Result<json::value> parse_json(std::string_view text, int max_depth) {
  json::parse_options options;
  options.max_depth = static_cast<std::size_t>(max_depth);
  json::parser parser(json::storage_ptr(), options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(text.data(), text.size(), ec);
  if (ec == json::error::too_deep) {
    return fail(ErrorCode::too_deep, "",
                "JSON nesting is deeper than " + std::to_string(max_depth) + " levels");
  }
  if (ec || consumed != text.size()) {
    return fail(ErrorCode::malformed_json, "",
                "the body is not valid JSON (" +
                    (ec ? ec.message() : std::string("trailing data")) + " near byte " +
                    std::to_string(consumed) + ")");
  }
  return parser.release();
}

Result<CreateSessionsBody> decode_create_sessions(std::string_view body,
                                                  const DecodeLimits& limits) {
  auto parsed = parse_json(body, limits.max_depth);
  if (!parsed)
    return std::unexpected(parsed.error());
  CreateSessionsBody out;
  const json::array* sessions = nullptr;
  if (parsed->is_array()) {
    sessions = &parsed->get_array();
  } else if (parsed->is_object()) {
    std::vector<Error> errors;
    FieldReader read(parsed->get_object(), "", errors);
    if (auto id = read.string("request_id", false, "")) {
      if (auto uuid = take(model::Uuid::parse(*id, "request_id"), errors))
        out.client_request_id = *uuid;
    }
    if (auto url = read.string("return_url", false, "")) {
      if (auto checked = take(decode_return_url(*url), errors))
        out.return_url = std::move(*checked);
    }
    const json::value* list = read.find("sessions");
    if (list == nullptr) {
      read.missing("sessions", "a list of sessions");
    } else if (!list->is_array()) {
      read.wrong_type("sessions", "an array of sessions", *list);
    } else {
      sessions = &list->get_array();
    }
    read.reject_unknown("known fields: request_id, return_url, sessions");
    if (!errors.empty())
      return std::unexpected(errors.front());
  } else {
    return fail(ErrorCode::wrong_type, "",
                "the body must be an object {\"sessions\": [...]} or an array of sessions, got " +
                    std::string(json_kind_name(*parsed)));
  }
  if (sessions->empty()) {
    return fail(ErrorCode::empty_request, "sessions", "sessions must list at least one session");
  }
  if (sessions->size() > limits.max_sessions) {
    return fail(ErrorCode::too_many_items, "sessions",
                "at most " + std::to_string(limits.max_sessions) + " sessions per request, got " +
                    std::to_string(sessions->size()));
  }
  out.sessions.reserve(sessions->size());
  for (std::size_t i = 0; i < sessions->size(); ++i) {
    out.sessions.push_back(decode_session((*sessions)[i], "sessions[" + std::to_string(i) + "]"));
  }
  return out;
}

bool is_malformed(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::malformed_json:
    case ErrorCode::too_deep:
    case ErrorCode::missing_field:
    case ErrorCode::unknown_field:
    case ErrorCode::wrong_type:
    case ErrorCode::invalid_value:
    case ErrorCode::out_of_range:
    case ErrorCode::invalid_asn:
    case ErrorCode::reserved_asn:
    case ErrorCode::invalid_ip:
    case ErrorCode::invalid_uuid:
    case ErrorCode::invalid_url:
    case ErrorCode::invalid_location:
    case ErrorCode::invalid_role:
    case ErrorCode::invalid_secret:
    case ErrorCode::role_incomplete:
    case ErrorCode::peer_type_mismatch:
      return true;
    default:
      return false;
  }
}

Result<std::vector<DeleteItem>> decode_delete_sessions(std::string_view body,
                                                       const DecodeLimits& limits) {
  auto parsed = parse_json(body, limits.max_depth);
  if (!parsed)
    return std::unexpected(parsed.error());
  if (!parsed->is_object()) {
    return fail(ErrorCode::wrong_type, "",
                "the body must be {\"sessions\": [{\"session_id\": \"<uuid>\"}, ...]}");
  }
  std::vector<Error> errors;
  FieldReader read(parsed->get_object(), "", errors);
  const json::value* list = read.find("sessions");
  read.reject_unknown("known fields: sessions");
  if (list == nullptr) {
    return fail(ErrorCode::missing_field, "sessions",
                "sessions is required: [{\"session_id\": \"<uuid>\"}, ...]");
  }
  if (!errors.empty())
    return std::unexpected(errors.front());
  if (!list->is_array()) {
    return fail(ErrorCode::wrong_type, "sessions",
                "sessions must be an array, got " + std::string(json_kind_name(*list)));
  }
  const json::array& items = list->get_array();
  if (items.empty())
    return fail(ErrorCode::empty_request, "sessions", "sessions is empty");
  if (items.size() > limits.max_sessions) {
    return fail(ErrorCode::too_many_items, "sessions",
                "at most " + std::to_string(limits.max_sessions) + " sessions per request");
  }
  std::vector<DeleteItem> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string path = "sessions[" + std::to_string(i) + "]";
    std::vector<Error> item_errors;
    DeleteItem item;
    if (!items[i].is_object()) {
      item.error = Error{ErrorCode::wrong_type, path,
                         "each item must be {\"session_id\": \"<uuid>\"}, got " +
                             std::string(json_kind_name(items[i]))};
    } else {
      FieldReader item_read(items[i].get_object(), path, item_errors);
      if (auto id = item_read.string("session_id", true, "the session's UUID")) {
        item.session_id = take(model::Uuid::parse(*id, item_read.path("session_id")), item_errors);
      }
      item_read.reject_unknown("known fields: session_id");
      if (!item_errors.empty()) {
        item.error = item_errors.front();
        item.session_id.reset();
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

json::object encode_session(const model::Session& session) {
  const auto& f = session.fields;
  json::object out;
  out.reserve(18);
  out["session_id"] = session.session_id.to_string();
  out["request_id"] = session.request_id.to_string();
  out["local_asn"] = f.local_asn.value();
  out["local_ip"] = f.local_ip.to_string();
  out["peer_asn"] = f.peer_asn.value();
  out["peer_ip"] = f.peer_ip.to_string();
  out["local_bgp_role"] = static_cast<int>(f.local_bgp_role);
  out["peer_bgp_role"] = static_cast<int>(f.peer_bgp_role);
  out["local_insert_asn"] = f.local_insert_asn;
  out["peer_insert_asn"] = f.peer_insert_asn;
  out["local_monitoring_session"] = f.local_monitoring_session;
  out["peer_monitoring_session"] = f.peer_monitoring_session;
  out["peer_type"] = model::to_string(f.peer_type);
  out["location"] =
      json::object{{"id", f.location.to_string()}, {"type", model::to_string(f.location.type())}};
  out["status"] = model::to_string(session.status);
  out["created_at"] = util::format_rfc3339(session.created_at_ms);
  out["updated_at"] = util::format_rfc3339(session.updated_at_ms);
  return out;
}

json::object encode_field_error(const Error& error) {
  return json::object{{"name", error.field},
                      {"code", to_string(error.code)},
                      {"errors", json::array{json::string(error.message)}}};
}

std::string encode_error_body(const std::vector<Error>& errors,
                              std::optional<std::string_view> contact_email) {
  json::array list;
  list.reserve(errors.size());
  for (const auto& e : errors)
    list.push_back(encode_field_error(e));
  json::object body{{"errors", std::move(list)}};
  if (contact_email)
    body["contact_email"] = *contact_email;
  return json::serialize(body);
}

}  // namespace peerapi::api
