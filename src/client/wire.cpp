#include "client/wire.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "api/codec.hpp"
#include "client/time_text.hpp"
#include "model/asn.hpp"
#include "model/bgp_role.hpp"

namespace peerapi::client {

namespace json = boost::json;

namespace {

std::unexpected<Error> wrong_type(const std::string& path, std::string_view expected,
                                  const json::value& got) {
  return fail(
      ErrorCode::wrong_type, path,
      "must be " + std::string(expected) + ", got " + std::string(api::json_kind_name(got)));
}

/// Typed access to the members of one object of an answer; every error names the member path.
class Members {
 public:
  Members(const json::object& object, std::string_view path) : object_(object), path_(path) {}

  [[nodiscard]] std::string path(std::string_view key) const { return join_path(path_, key); }

  /// The member, or nullptr when absent or null.
  [[nodiscard]] const json::value* optional(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  Result<const json::value*> required(std::string_view key) const {
    const json::value* v = optional(key);
    if (v == nullptr)
      return fail(ErrorCode::missing_field, path(key), "missing in the server's answer");
    return v;
  }

  Result<std::string_view> string(std::string_view key) const {
    auto v = required(key);
    if (!v)
      return std::unexpected(v.error());
    return string_value(**v, path(key));
  }

  Result<std::optional<std::string_view>> optional_string(std::string_view key) const {
    const json::value* v = optional(key);
    if (v == nullptr)
      return std::optional<std::string_view>();
    auto s = string_value(*v, path(key));
    if (!s)
      return std::unexpected(s.error());
    return std::optional<std::string_view>(*s);
  }

  Result<std::int64_t> integer(std::string_view key) const {
    auto v = required(key);
    if (!v)
      return std::unexpected(v.error());
    if ((*v)->is_int64())
      return (*v)->get_int64();
    if ((*v)->is_uint64())
      return fail(ErrorCode::out_of_range, path(key), "is far too large");
    return wrong_type(path(key), "an integer", **v);
  }

  Result<bool> boolean(std::string_view key) const {
    auto v = required(key);
    if (!v)
      return std::unexpected(v.error());
    if (!(*v)->is_bool())
      return wrong_type(path(key), "true or false", **v);
    return (*v)->get_bool();
  }

  Result<const json::array*> array(std::string_view key, bool required_member) const {
    const json::value* v = optional(key);
    if (v == nullptr) {
      if (required_member)
        return fail(ErrorCode::missing_field, path(key), "missing in the server's answer");
      return static_cast<const json::array*>(nullptr);
    }
    if (!v->is_array())
      return wrong_type(path(key), "an array", *v);
    return &v->get_array();
  }

  Result<model::Uuid> uuid(std::string_view key) const {
    auto text = string(key);
    if (!text)
      return std::unexpected(text.error());
    return model::Uuid::parse(*text, path(key));
  }

  Result<model::Asn> asn(std::string_view key) const {
    auto number = integer(key);
    if (!number)
      return std::unexpected(number.error());
    return model::Asn::from_number(*number, path(key));
  }

  Result<model::IpAddress> ip(std::string_view key) const {
    auto text = string(key);
    if (!text)
      return std::unexpected(text.error());
    return model::IpAddress::parse(*text, path(key));
  }

  Result<model::BgpRole> role(std::string_view key) const {
    auto number = integer(key);
    if (!number)
      return std::unexpected(number.error());
    return model::bgp_role_from_number(*number, path(key));
  }

  Result<std::int64_t> timestamp(std::string_view key) const {
    auto text = string(key);
    if (!text)
      return std::unexpected(text.error());
    auto ms = parse_rfc3339(*text);
    if (!ms)
      return fail(ErrorCode::invalid_value, path(key), "is not an RFC 3339 date-time");
    return *ms;
  }

  static Result<std::string_view> string_value(const json::value& v, const std::string& path) {
    if (!v.is_string())
      return wrong_type(path, "a string", v);
    return std::string_view(v.get_string());
  }

 private:
  const json::object& object_;
  std::string path_;
};

Result<const json::object*> object_at(const json::value& value, std::string_view path) {
  if (!value.is_object())
    return wrong_type(std::string(path), "an object", value);
  return &value.get_object();
}

Result<json::value> parse_answer(std::string_view body) {
  auto parsed = api::parse_json(body, kMaxAnswerDepth);
  if (!parsed)
    return std::unexpected(parsed.error());
  return std::move(*parsed);
}

/// Parses an answer whose top level must be an object and decodes it with `decode(members)`.
template <class Decode>
auto decode_answer(std::string_view body, Decode&& decode)
    -> decltype(decode(std::declval<const Members&>())) {
  auto parsed = parse_answer(body);
  if (!parsed)
    return std::unexpected(parsed.error());
  auto object = object_at(*parsed, "");
  if (!object)
    return std::unexpected(object.error());
  return decode(Members(**object, ""));
}

std::string item_path(std::string_view list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

Result<model::LocationId> location_member(const Members& m) {
  auto loc = m.required("location");
  if (!loc)
    return std::unexpected(loc.error());
  if ((*loc)->is_string())
    return model::LocationId::parse((*loc)->get_string(), m.path("location"));
  auto object = object_at(**loc, m.path("location"));
  if (!object)
    return std::unexpected(object.error());
  const Members l(**object, m.path("location"));
  auto id_text = l.string("id");
  if (!id_text)
    return std::unexpected(id_text.error());
  auto id = model::LocationId::parse(*id_text, l.path("id"));
  if (!id)
    return std::unexpected(id.error());
  auto type_text = l.optional_string("type");
  if (!type_text)
    return std::unexpected(type_text.error());
  if (*type_text) {
    auto type = model::parse_location_type(**type_text, l.path("type"));
    if (!type)
      return std::unexpected(type.error());
    if (*type != id->type())
      return fail(ErrorCode::invalid_value, l.path("type"),
                  "\"" + std::string(**type_text) + "\" does not match " + id->to_string());
  }
  return *id;
}

Result<std::optional<std::string>> next_token(const Members& m) {
  auto token = m.optional_string("next_token");
  if (!token)
    return std::unexpected(token.error());
  if (!*token)
    return std::optional<std::string>();
  if ((*token)->empty())
    return fail(ErrorCode::invalid_value, m.path("next_token"), "is empty");
  return std::optional<std::string>(std::string(**token));
}

Result<std::vector<model::IpAddress>> ip_list(const Members& m, std::string_view key) {
  std::vector<model::IpAddress> out;
  auto list = m.array(key, false);
  if (!list)
    return std::unexpected(list.error());
  if (*list == nullptr)
    return out;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const std::string path = item_path(m.path(key), i);
    auto text = Members::string_value((**list)[i], path);
    if (!text)
      return std::unexpected(text.error());
    auto ip = model::IpAddress::parse(*text, path);
    if (!ip)
      return std::unexpected(ip.error());
    out.push_back(*ip);
  }
  return out;
}

Result<RemoteLocation> decode_location(const json::value& value, const std::string& path) {
  auto object = object_at(value, path);
  if (!object)
    return std::unexpected(object.error());
  const Members m(**object, path);
  auto id_text = m.string("id");
  if (!id_text)
    return std::unexpected(id_text.error());
  auto id = model::LocationId::parse(*id_text, m.path("id"));
  if (!id)
    return std::unexpected(id.error());
  if (auto type_text = m.optional_string("type"); !type_text) {
    return std::unexpected(type_text.error());
  } else if (*type_text) {
    auto type = model::parse_location_type(**type_text, m.path("type"));
    if (!type)
      return std::unexpected(type.error());
    if (*type != id->type())
      return fail(ErrorCode::invalid_value, m.path("type"),
                  "\"" + std::string(**type_text) + "\" does not match " + id->to_string());
  }
  RemoteLocation out{
      .id = *id, .name = {}, .city = {}, .country = {}, .local_ips = {}, .peer_ips = {}};
  for (auto [key, into] : {std::pair<std::string_view, std::string*>{"name", &out.name},
                           {"city", &out.city},
                           {"country", &out.country}}) {
    auto text = m.optional_string(key);
    if (!text)
      return std::unexpected(text.error());
    if (*text)
      *into = std::string(**text);
  }
  auto local_ips = ip_list(m, "local_ips");
  if (!local_ips)
    return std::unexpected(local_ips.error());
  auto peer_ips = ip_list(m, "peer_ips");
  if (!peer_ips)
    return std::unexpected(peer_ips.error());
  out.local_ips = std::move(*local_ips);
  out.peer_ips = std::move(*peer_ips);
  return out;
}

Result<FieldError> decode_field_error(const json::value& value, const std::string& path) {
  auto object = object_at(value, path);
  if (!object)
    return std::unexpected(object.error());
  const Members m(**object, path);
  FieldError out;
  auto name = m.optional_string("name");
  if (!name)
    return std::unexpected(name.error());
  out.name = std::string(name->value_or(""));
  auto code = m.optional_string("code");
  if (!code)
    return std::unexpected(code.error());
  out.code = std::string(code->value_or(""));
  auto messages = m.array("errors", false);
  if (!messages)
    return std::unexpected(messages.error());
  if (*messages != nullptr) {
    for (std::size_t i = 0; i < (*messages)->size(); ++i) {
      auto text = Members::string_value((**messages)[i], item_path(m.path("errors"), i));
      if (!text)
        return std::unexpected(text.error());
      out.messages.emplace_back(*text);
    }
  }
  return out;
}

/// N of a leading "sessions[N]" in a field path.
std::optional<std::size_t> session_index(std::string_view name) {
  constexpr std::string_view kPrefix = "sessions[";
  if (!name.starts_with(kPrefix))
    return std::nullopt;
  name.remove_prefix(kPrefix.size());
  const auto close = name.find(']');
  if (close == std::string_view::npos || close == 0)
    return std::nullopt;
  std::size_t index = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + close, index);
  if (ec != std::errc{} || ptr != name.data() + close)
    return std::nullopt;
  return index;
}

Result<RejectedSession> decode_rejected(const json::value& value, const std::string& path) {
  auto object = object_at(value, path);
  if (!object)
    return std::unexpected(object.error());
  const Members m(**object, path);
  auto errors_value = m.required("errors");
  if (!errors_value)
    return std::unexpected(errors_value.error());
  auto errors = decode_field_errors(**errors_value, m.path("errors"));
  if (!errors)
    return std::unexpected(errors.error());
  RejectedSession out;
  out.errors = std::move(*errors);
  for (const auto& [key, field] : **object) {
    if (key != "errors")
      out.fields.emplace(key, field);
  }
  for (const FieldError& e : out.errors) {
    if (auto index = session_index(e.name)) {
      out.index = index;
      break;
    }
  }
  return out;
}

template <class T, class F>
Result<std::vector<T>> decode_list(const json::array& list, const std::string& path, F decode) {
  std::vector<T> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto item = decode(list[i], item_path(path, i));
    if (!item)
      return std::unexpected(item.error());
    out.push_back(std::move(*item));
  }
  return out;
}

Result<AcceptedSession> decode_accepted(const json::value& value, const std::string& path) {
  auto session = decode_session(value, path);
  if (!session)
    return std::unexpected(session.error());
  AcceptedSession out{.session = std::move(*session), .policy_reasons = {}};
  const Members m(value.get_object(), path);
  if (const json::value* reasons = m.optional("policy_reasons")) {
    auto decoded = decode_field_errors(*reasons, m.path("policy_reasons"));
    if (!decoded)
      return std::unexpected(decoded.error());
    out.policy_reasons = std::move(*decoded);
  }
  return out;
}

}  // namespace

json::object encode_session_request(const model::SessionRequest& s) {
  json::object out;
  out.reserve(14);
  out["local_asn"] = s.local_asn.value();
  out["local_ip"] = s.local_ip.to_string();
  out["peer_asn"] = s.peer_asn.value();
  out["peer_ip"] = s.peer_ip.to_string();
  out["local_bgp_role"] = static_cast<int>(s.local_bgp_role);
  out["peer_bgp_role"] = static_cast<int>(s.peer_bgp_role);
  out["local_insert_asn"] = s.local_insert_asn;
  out["peer_insert_asn"] = s.peer_insert_asn;
  out["local_monitoring_session"] = s.local_monitoring_session;
  out["peer_monitoring_session"] = s.peer_monitoring_session;
  out["peer_type"] = model::to_string(s.peer_type);
  if (s.session_secret)
    out["session_secret"] = s.session_secret->reveal();
  out["location"] =
      json::object{{"id", s.location.to_string()}, {"type", model::to_string(s.location.type())}};
  return out;
}

std::string encode_create_body(const model::Uuid& request_id,
                               const std::optional<std::string>& return_url,
                               std::span<const model::SessionRequest> sessions) {
  json::array list;
  list.reserve(sessions.size());
  for (const auto& s : sessions)
    list.push_back(encode_session_request(s));
  json::object body;
  body["request_id"] = request_id.to_string();
  if (return_url)
    body["return_url"] = *return_url;
  body["sessions"] = std::move(list);
  return json::serialize(body);
}

std::string encode_delete_body(std::span<const model::Uuid> session_ids) {
  json::array list;
  list.reserve(session_ids.size());
  for (const auto& id : session_ids)
    list.push_back(json::object{{"session_id", id.to_string()}});
  return json::serialize(json::object{{"sessions", std::move(list)}});
}

Result<model::Session> decode_session(const json::value& value, std::string_view path) {
  auto object = object_at(value, path);
  if (!object)
    return std::unexpected(object.error());
  const Members m(**object, path);
  auto session_id = m.uuid("session_id");
  if (!session_id)
    return std::unexpected(session_id.error());
  auto request_id = m.uuid("request_id");
  if (!request_id)
    return std::unexpected(request_id.error());
  auto local_asn = m.asn("local_asn");
  if (!local_asn)
    return std::unexpected(local_asn.error());
  auto local_ip = m.ip("local_ip");
  if (!local_ip)
    return std::unexpected(local_ip.error());
  auto peer_asn = m.asn("peer_asn");
  if (!peer_asn)
    return std::unexpected(peer_asn.error());
  auto peer_ip = m.ip("peer_ip");
  if (!peer_ip)
    return std::unexpected(peer_ip.error());
  if (local_ip->family() != peer_ip->family())
    return fail(ErrorCode::ip_family_mismatch, m.path("peer_ip"),
                "is not of the same address family as local_ip");
  auto local_role = m.role("local_bgp_role");
  if (!local_role)
    return std::unexpected(local_role.error());
  auto peer_role = m.role("peer_bgp_role");
  if (!peer_role)
    return std::unexpected(peer_role.error());
  bool flags[4] = {};
  constexpr std::string_view kFlags[4] = {"local_insert_asn", "peer_insert_asn",
                                          "local_monitoring_session", "peer_monitoring_session"};
  for (std::size_t i = 0; i < 4; ++i) {
    auto flag = m.boolean(kFlags[i]);
    if (!flag)
      return std::unexpected(flag.error());
    flags[i] = *flag;
  }
  auto peer_type_text = m.string("peer_type");
  if (!peer_type_text)
    return std::unexpected(peer_type_text.error());
  auto peer_type = model::parse_location_type(*peer_type_text, m.path("peer_type"));
  if (!peer_type)
    return std::unexpected(peer_type.error());
  auto location = location_member(m);
  if (!location)
    return std::unexpected(location.error());
  auto status_text = m.string("status");
  if (!status_text)
    return std::unexpected(status_text.error());
  auto status = model::parse_session_status(*status_text, m.path("status"));
  if (!status)
    return std::unexpected(status.error());
  auto created = m.timestamp("created_at");
  if (!created)
    return std::unexpected(created.error());
  auto updated = m.timestamp("updated_at");
  if (!updated)
    return std::unexpected(updated.error());
  return model::Session{.session_id = *session_id,
                        .request_id = *request_id,
                        .fields =
                            model::SessionRequest{
                                .local_asn = *local_asn,
                                .local_ip = *local_ip,
                                .peer_asn = *peer_asn,
                                .peer_ip = *peer_ip,
                                .local_bgp_role = *local_role,
                                .peer_bgp_role = *peer_role,
                                .local_insert_asn = flags[0],
                                .peer_insert_asn = flags[1],
                                .local_monitoring_session = flags[2],
                                .peer_monitoring_session = flags[3],
                                .peer_type = *peer_type,
                                .session_secret = std::nullopt,
                                .location = *location,
                            },
                        .status = *status,
                        .created_at_ms = *created,
                        .updated_at_ms = *updated};
}

Result<std::vector<FieldError>> decode_field_errors(const json::value& value,
                                                    std::string_view path) {
  if (!value.is_array())
    return wrong_type(std::string(path), "an array", value);
  return decode_list<FieldError>(value.get_array(), std::string(path), decode_field_error);
}

Result<Page<RemoteLocation>> decode_locations_page(std::string_view body) {
  return decode_answer(body, [&](const Members& m) -> Result<Page<RemoteLocation>> {
    auto list = m.array("locations", true);
    if (!list)
      return std::unexpected(list.error());
    auto items = decode_list<RemoteLocation>(**list, "locations", decode_location);
    if (!items)
      return std::unexpected(items.error());
    auto token = next_token(m);
    if (!token)
      return std::unexpected(token.error());
    return Page<RemoteLocation>{std::move(*items), std::move(*token)};
  });
}

Result<Page<model::Session>> decode_sessions_page(std::string_view body) {
  return decode_answer(body, [&](const Members& m) -> Result<Page<model::Session>> {
    auto list = m.array("sessions", true);
    if (!list)
      return std::unexpected(list.error());
    auto items = decode_list<model::Session>(
        **list, "sessions",
        [](const json::value& v, const std::string& p) { return decode_session(v, p); });
    if (!items)
      return std::unexpected(items.error());
    auto token = next_token(m);
    if (!token)
      return std::unexpected(token.error());
    return Page<model::Session>{std::move(*items), std::move(*token)};
  });
}

Result<CreateAnswer> decode_create_answer(std::string_view body, int status) {
  return decode_answer(body, [&](const Members& m) -> Result<CreateAnswer> {
    auto request_id = m.uuid("request_id");
    if (!request_id)
      return std::unexpected(request_id.error());
    std::optional<model::Uuid> client_request_id;
    if (m.optional("client_request_id") != nullptr) {
      auto id = m.uuid("client_request_id");
      if (!id)
        return std::unexpected(id.error());
      client_request_id = *id;
    }
    auto accepted_list = m.array("sessions", true);
    if (!accepted_list)
      return std::unexpected(accepted_list.error());
    auto accepted = decode_list<AcceptedSession>(**accepted_list, "sessions", decode_accepted);
    if (!accepted)
      return std::unexpected(accepted.error());
    auto rejected_list = m.array("rejected", false);
    if (!rejected_list)
      return std::unexpected(rejected_list.error());
    std::vector<RejectedSession> rejected;
    if (*rejected_list != nullptr) {
      auto decoded = decode_list<RejectedSession>(**rejected_list, "rejected", decode_rejected);
      if (!decoded)
        return std::unexpected(decoded.error());
      rejected = std::move(*decoded);
    }
    std::vector<FieldError> errors;
    if (const json::value* list = m.optional("errors")) {
      auto decoded = decode_field_errors(*list, "errors");
      if (!decoded)
        return std::unexpected(decoded.error());
      errors = std::move(*decoded);
    }
    auto contact = m.optional_string("contact_email");
    if (!contact)
      return std::unexpected(contact.error());
    if (status == 200 && accepted->empty())
      return fail(ErrorCode::invalid_value, "sessions",
                  "a 200 answer must accept at least one session (docs/wire.md)");
    if (status == 422 && !accepted->empty())
      return fail(ErrorCode::invalid_value, "sessions",
                  "a 422 answer must not accept any session (docs/wire.md)");
    return CreateAnswer{
        .http_status = status,
        .request_id = *request_id,
        .client_request_id = client_request_id,
        .accepted = std::move(*accepted),
        .rejected = std::move(rejected),
        .errors = std::move(errors),
        .contact_email =
            *contact ? std::optional<std::string>(std::string(**contact)) : std::nullopt,
    };
  });
}

Result<BatchDeleteAnswer> decode_batch_delete(std::string_view body) {
  return decode_answer(body, [&](const Members& m) -> Result<BatchDeleteAnswer> {
    auto list = m.array("sessions", true);
    if (!list)
      return std::unexpected(list.error());
    auto deleted = decode_list<model::Session>(
        **list, "sessions",
        [](const json::value& v, const std::string& p) { return decode_session(v, p); });
    if (!deleted)
      return std::unexpected(deleted.error());
    BatchDeleteAnswer out{.deleted = std::move(*deleted), .errors = {}};
    if (const json::value* errors = m.optional("errors")) {
      auto decoded = decode_field_errors(*errors, "errors");
      if (!decoded)
        return std::unexpected(decoded.error());
      out.errors = std::move(*decoded);
    }
    return out;
  });
}

Result<model::Session> decode_session_body(std::string_view body) {
  auto parsed = parse_answer(body);
  if (!parsed)
    return std::unexpected(parsed.error());
  return decode_session(*parsed, "");
}

Result<std::string> decode_client_id(std::string_view body) {
  return decode_answer(body, [&](const Members& m) -> Result<std::string> {
    auto id = m.string("client_id");
    if (!id)
      return std::unexpected(id.error());
    if (id->empty())
      return fail(ErrorCode::invalid_value, "client_id", "is empty");
    return std::string(*id);
  });
}

std::optional<ErrorBody> decode_error_body(std::string_view body) {
  auto parsed = api::parse_json(body, kMaxAnswerDepth);
  if (!parsed || !parsed->is_object())
    return std::nullopt;
  const Members m(parsed->get_object(), "");
  const json::value* list = m.optional("errors");
  if (list == nullptr)
    return std::nullopt;
  auto errors = decode_field_errors(*list, "errors");
  if (!errors)
    return std::nullopt;
  ErrorBody out;
  out.errors = std::move(*errors);
  if (auto message = m.optional_string("message"); message && *message)
    out.message = std::string(**message);
  if (auto contact = m.optional_string("contact_email"); contact && *contact)
    out.contact_email = std::string(**contact);
  return out;
}

}  // namespace peerapi::client
