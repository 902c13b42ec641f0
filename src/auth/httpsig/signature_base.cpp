#include "auth/httpsig/signature_base.hpp"

#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "util/ascii.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::httpsig {

namespace {

using util::ascii_lower;
using util::iequals;

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool is_tchar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_alnum(char c) noexcept {
  return is_alpha(c) || (c >= '0' && c <= '9');
}

bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && is_ows(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back()))
    text.remove_suffix(1);
  return text;
}

std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::invalid_value, "", std::move(message));
}

std::unexpected<Error> absent(std::string message) {
  return fail(ErrorCode::unauthenticated, "", std::move(message));
}

/// Section 2.1 steps for one field line: obs-fold (OWS [CR] LF 1*(SP / HTAB)) becomes one SP,
/// leading and trailing whitespace go. Any other control character is refused: a value must
/// not be able to add a line to the signature base.
Result<std::string> canonical_field_line(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\r' || c == '\n') {
      std::size_t next = i + 1;
      if (c == '\r' && next < line.size() && line[next] == '\n')
        ++next;
      if (next >= line.size() || !is_ows(line[next]))
        return invalid("field value holds CR or LF outside obsolete line folding");
      while (next < line.size() && is_ows(line[next]))
        ++next;
      while (!out.empty() && is_ows(out.back()))
        out.pop_back();
      out += ' ';
      i = next - 1;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f)
      return invalid("field value holds a control character");
    out += c;
  }
  return std::string(trim_ows(out));
}

const std::array<std::pair<std::string_view, FieldType>, 14> kStructuredFields = {{
    {"accept-ch", FieldType::list},                  // RFC 8942
    {"accept-signature", FieldType::dictionary},     // RFC 9421 section 5.1
    {"cache-status", FieldType::list},               // RFC 9211
    {"cdn-cache-control", FieldType::dictionary},    // RFC 9213
    {"client-cert", FieldType::item},                // RFC 9440
    {"client-cert-chain", FieldType::list},          // RFC 9440
    {"content-digest", FieldType::dictionary},       // RFC 9530
    {"priority", FieldType::dictionary},             // RFC 9218
    {"proxy-status", FieldType::list},               // RFC 9209
    {"repr-digest", FieldType::dictionary},          // RFC 9530
    {"signature", FieldType::dictionary},            // RFC 9421 section 4.2
    {"signature-input", FieldType::dictionary},      // RFC 9421 section 4.1
    {"want-content-digest", FieldType::dictionary},  // RFC 9530
    {"want-repr-digest", FieldType::dictionary},     // RFC 9530
}};

std::optional<FieldType> structured_type(std::string_view name, const BaseOptions& options) {
  for (const auto& [known, type] : options.structured_fields) {
    if (known == name)
      return type;
  }
  for (const auto& [known, type] : kStructuredFields) {
    if (known == name)
      return type;
  }
  return std::nullopt;
}

template <class T>
Result<std::string> reserialize(const Result<T>& parsed) {
  if (!parsed)
    return std::unexpected(parsed.error());
  return sf::serialize(*parsed);
}

Result<std::string> field_value(const HttpMessageView& message, const ComponentId& component,
                                const BaseOptions& options) {
  const std::vector<std::string_view> lines = message.field_lines(component.name);
  if (lines.empty())
    return absent("the message has no " + component.name + " field");
  const bool binary = component.params.contains("bs");
  const auto* key = component.params.find("key");
  const bool structured = component.params.contains("sf");
  std::string joined;
  bool first = true;
  for (std::string_view line : lines) {
    if (!first)
      joined += ", ";
    first = false;
    if (binary) {
      // Section 2.1.3: each line's raw bytes (without surrounding whitespace) as a Byte Sequence.
      joined += ':';
      joined += util::base64_encode(trim_ows(line));
      joined += ':';
      continue;
    }
    auto canonical = canonical_field_line(line);
    if (!canonical)
      return std::unexpected(canonical.error());
    joined += *canonical;
  }
  if (binary)
    return joined;
  if (key != nullptr) {
    // Section 2.1.2: the field is a Dictionary; the value is the serialized member value.
    auto dictionary = sf::parse_dictionary(joined, "", options.field_limits);
    if (!dictionary)
      return invalid(component.name + " is not a Dictionary structured field");
    const sf::ListMember* member = dictionary->find(std::get<std::string>(*key));
    if (member == nullptr)
      return absent(component.name + " has no member \"" + std::get<std::string>(*key) + "\"");
    return sf::serialize(*member);
  }
  if (structured) {
    // Section 2.1.1: strict re-serialization, for fields whose type is known.
    const std::optional<FieldType> type = structured_type(component.name, options);
    if (!type)
      return invalid("the structured type of " + component.name + " is not known");
    Result<std::string> serialized;
    switch (*type) {
      case FieldType::list:
        serialized = reserialize(sf::parse_list(joined, "", options.field_limits));
        break;
      case FieldType::dictionary:
        serialized = reserialize(sf::parse_dictionary(joined, "", options.field_limits));
        break;
      case FieldType::item:
        serialized = reserialize(sf::parse_item(joined, "", options.field_limits));
        break;
    }
    if (!serialized)
      return invalid(component.name +
                     " is not a valid structured field: " + serialized.error().message);
    return serialized;
  }
  return joined;
}

bool is_valid_scheme(std::string_view scheme) noexcept {
  if (scheme.empty() || !is_alpha(scheme.front()))
    return false;
  return std::all_of(scheme.begin(), scheme.end(),
                     [](char c) { return is_alnum(c) || c == '+' || c == '-' || c == '.'; });
}

Result<std::string> normalized_scheme(const HttpMessageView& message) {
  if (!is_valid_scheme(message.scheme))
    return invalid("the message scheme \"" + message.scheme + "\" is not a URI scheme");
  return lowercase(message.scheme);
}

/// RFC 9110 section 4.2.3: lowercase host, no userinfo, the scheme's default port dropped.
Result<std::string> normalized_authority(const HttpMessageView& message) {
  auto scheme = normalized_scheme(message);
  if (!scheme)
    return scheme;
  auto parsed = boost::urls::parse_authority(message.authority);
  if (!parsed || message.authority.empty())
    return invalid("the message authority \"" + message.authority + "\" is not host[:port]");
  if (parsed->has_userinfo())
    return invalid("the message authority carries userinfo");
  if (parsed->encoded_host().empty())
    return invalid("the message authority has no host");
  std::string out =
      lowercase(std::string_view(parsed->encoded_host().data(), parsed->encoded_host().size()));
  if (parsed->has_port() && !parsed->port().empty()) {
    const std::string_view digits(parsed->port().data(), parsed->port().size());
    if (digits.size() > 5 || parsed->port_number() == 0)
      return invalid("the message authority has port \"" + std::string(digits) +
                     "\" outside 1-65535");
    const unsigned port = parsed->port_number();
    const bool is_default =
        (*scheme == "https" && port == 443) || (*scheme == "http" && port == 80);
    if (!is_default)
      out += ':' + std::to_string(port);
  }
  return out;
}

/// The raw (still percent-encoded) parts of an origin-form target.
struct TargetParts {
  std::string path;   // "/" when empty
  std::string query;  // without the "?"; empty when there is none
};

Result<TargetParts> origin_form(const HttpMessageView& message) {
  auto parsed = boost::urls::parse_origin_form(message.target);
  if (!parsed)
    return invalid("the request target is not in origin-form (RFC 9112 section 3.2.1)");
  TargetParts parts;
  parts.path.assign(parsed->encoded_path().data(), parsed->encoded_path().size());
  if (parts.path.empty())
    parts.path = "/";
  if (parsed->has_query())
    parts.query.assign(parsed->encoded_query().data(), parsed->encoded_query().size());
  return parts;
}

/// WHATWG URL section 5.1 "percent-decode" of a name or value after "+" became SP: "%" with
/// two hex digits is one octet; a "%" without them stays as it is.
std::string form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && util::hex_digit_value(text[i + 1]) >= 0 &&
               util::hex_digit_value(text[i + 2]) >= 0) {
      out += static_cast<char>(util::hex_digit_value(text[i + 1]) * 16 +
                               util::hex_digit_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/// "UTF-8 decode without BOM or fail" is not what section 5.1 uses: it uses "UTF-8 decode
/// without BOM", which replaces every maximal ill-formed subsequence with U+FFFD. This returns
/// the UTF-8 encoding of that result.
std::string utf8_with_replacement(std::string_view bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out += static_cast<char>(lead);
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0)
        low = 0xA0;
      if (lead == 0xED)
        high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0)
        low = 0x90;
      if (lead == 0xF4)
        high = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    std::size_t consumed = 1;
    bool complete = true;
    for (; consumed < length; ++consumed) {
      if (i + consumed >= bytes.size()) {
        complete = false;
        break;
      }
      const auto next = static_cast<unsigned char>(bytes[i + consumed]);
      const unsigned char lower = consumed == 1 ? low : 0x80;
      const unsigned char upper = consumed == 1 ? high : 0xBF;
      if (next < lower || next > upper) {
        complete = false;
        break;
      }
    }
    if (complete) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out += kReplacement;
      i += consumed;
    }
  }
  return out;
}

/// WHATWG URL "percent-encode after encoding" with the application/x-www-form-urlencoded
/// percent-encode set and spaceAsPlus false: every octet but ALPHA, DIGIT, "*", "-", ".", "_"
/// becomes %XX (RFC 9421 section 2.2.8).
std::string form_component_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_alnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

std::string form_canonical(std::string_view raw) {
  return form_component_encode(utf8_with_replacement(form_decode(raw)));
}

Result<std::string> query_param_value(const HttpMessageView& message, std::string_view name) {
  auto parts = origin_form(message);
  if (!parts)
    return std::unexpected(parts.error());
  std::optional<std::string> found;
  std::string_view query = parts->query;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    if (!piece.empty()) {
      const std::size_t equals = piece.find('=');
      const std::string_view raw_name = piece.substr(0, equals);
      const std::string_view raw_value =
          equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
      if (form_canonical(raw_name) == name) {
        if (found)
          return invalid("query parameter \"" + std::string(name) +
                         "\" occurs more than once and can not be covered (section 2.2.8)");
        found = form_canonical(raw_value);
      }
    }
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  if (!found)
    return absent("the query has no parameter \"" + std::string(name) + "\"");
  return *found;
}

enum class Derived : std::uint8_t {
  method,
  target_uri,
  authority,
  scheme,
  request_target,
  path,
  query,
  query_param,
  status,
};

std::optional<Derived> derived_component(std::string_view name) noexcept {
  static constexpr std::pair<std::string_view, Derived> kNames[] = {
      {"@method", Derived::method},
      {"@target-uri", Derived::target_uri},
      {"@authority", Derived::authority},
      {"@scheme", Derived::scheme},
      {"@request-target", Derived::request_target},
      {"@path", Derived::path},
      {"@query", Derived::query},
      {"@query-param", Derived::query_param},
      {"@status", Derived::status},
  };
  for (const auto& [known, derived] : kNames) {
    if (known == name)
      return derived;
  }
  return std::nullopt;
}

Result<std::string> derived_value(const HttpMessageView& message, Derived derived,
                                  const ComponentId& component) {
  if (derived == Derived::status) {
    if (!message.status)
      return invalid("@status is only defined for responses (section 2.2.9)");
    if (*message.status < 100 || *message.status > 999)
      return invalid("the response status is not a three-digit code");
    return std::to_string(*message.status);
  }
  if (message.is_response())
    return invalid(component.name + " is a request component; a response needs \"req\"");
  switch (derived) {
    case Derived::method:
      if (message.method.empty() ||
          !std::all_of(message.method.begin(), message.method.end(), is_tchar))
        return invalid("the request method is not a token");
      return message.method;
    case Derived::scheme:
      return normalized_scheme(message);
    case Derived::authority:
      return normalized_authority(message);
    case Derived::target_uri: {
      auto scheme = normalized_scheme(message);
      if (!scheme)
        return scheme;
      auto authority = normalized_authority(message);
      if (!authority)
        return authority;
      std::string uri = *scheme + "://" + *authority;
      if (message.target == "*")
        return uri;  // asterisk-form: the target URI has an empty path (RFC 9110 section 7.1)
      auto parts = origin_form(message);
      if (!parts)
        return std::unexpected(parts.error());
      return uri + message.target;
    }
    case Derived::request_target:
      if (message.target != "*") {
        auto parts = origin_form(message);
        if (!parts)
          return std::unexpected(parts.error());
      }
      return message.target;
    case Derived::path: {
      auto parts = origin_form(message);
      if (!parts)
        return std::unexpected(parts.error());
      return parts->path;
    }
    case Derived::query: {
      auto parts = origin_form(message);
      if (!parts)
        return std::unexpected(parts.error());
      return "?" + parts->query;
    }
    case Derived::query_param:
      return query_param_value(message, std::get<std::string>(*component.params.find("name")));
    case Derived::status:
      break;
  }
  return invalid("unknown derived component");
}

bool is_true(const sf::BareItem& value) noexcept {
  const bool* flag = std::get_if<bool>(&value);
  return flag != nullptr && *flag;
}

/// Section 2.5 step 2.4 checks: every parameter understood, applicable and compatible.
Result<void> check_parameters(const ComponentId& component, bool derived) {
  for (const auto& [key, value] : component.params.entries()) {
    if (key == "sf" || key == "bs" || key == "req" || key == "tr") {
      if (!is_true(value))
        return invalid("parameter \"" + key + "\" must be Boolean true");
    } else if (key == "key" || key == "name") {
      if (sf::as_string(value) == nullptr)
        return invalid("parameter \"" + key + "\" must be a String");
    } else {
      return invalid("unknown component parameter \"" + key + "\"");
    }
  }
  const auto& params = component.params;
  if (params.contains("tr"))
    return invalid("trailer fields (\"tr\") are not supported");
  if (derived) {
    for (std::string_view field_only : {"sf", "bs", "key"}) {
      if (params.contains(field_only))
        return invalid("parameter \"" + std::string(field_only) + "\" does not apply to " +
                       component.name);
    }
    const bool wants_name = component.name == "@query-param";
    if (wants_name != params.contains("name"))
      return invalid(wants_name ? "@query-param needs a \"name\" parameter"
                                : "parameter \"name\" only applies to @query-param");
    return {};
  }
  if (params.contains("name"))
    return invalid("parameter \"name\" only applies to @query-param");
  if (params.contains("bs") && (params.contains("sf") || params.contains("key")))
    return invalid("\"bs\" can not be combined with \"sf\" or \"key\" (section 2.1.3)");
  return {};
}

bool is_valid_field_name(std::string_view name) noexcept {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_tchar(c) && !(c >= 'A' && c <= 'Z');
  });
}

/// Two identifiers denote the same component when name and parameter set are equal, whatever
/// the parameter order.
std::string identity_key(const ComponentId& component) {
  std::vector<std::pair<std::string, sf::BareItem>> entries = component.params.entries();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  sf::Parameters sorted;
  for (auto& [key, value] : entries)
    sorted.set(key, value);
  return component.name + '\0' + sf::serialize(sorted).value_or("");
}

}  // namespace

std::vector<std::string_view> HttpMessageView::field_lines(std::string_view name) const {
  std::vector<std::string_view> lines;
  for (const auto& [field_name, value] : fields) {
    if (iequals(field_name, name))
      lines.emplace_back(value);
  }
  return lines;
}

bool HttpMessageView::has_field(std::string_view name) const noexcept {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const auto& field) { return iequals(field.first, name); });
}

Result<std::string> ComponentId::serialize() const {
  return sf::serialize(to_item());
}

sf::Item ComponentId::to_item() const {
  return sf::Item{sf::BareItem(std::in_place_type<std::string>, name), params};
}

Result<ComponentId> ComponentId::from_item(const sf::Item& item, std::string_view field) {
  const std::string* name = sf::as_string(item.value);
  if (name == nullptr)
    return fail(ErrorCode::invalid_value, std::string(field),
                "a component identifier must be a String (RFC 9421 section 2)");
  return ComponentId{*name, item.params};
}

Result<void> check_component_id(const ComponentId& component) {
  const bool derived = !component.name.empty() && component.name.front() == '@';
  if (derived) {
    if (!derived_component(component.name))
      return invalid("unknown derived component " + component.name);
  } else if (!is_valid_field_name(component.name)) {
    return invalid("\"" + component.name + "\" is not a lowercase field name (section 2.1)");
  }
  return check_parameters(component, derived);
}

Result<std::vector<ComponentId>> covered_components(const sf::InnerList& signature_params,
                                                    std::size_t max_components) {
  if (signature_params.items.size() > max_components)
    return fail(ErrorCode::invalid_value, "components",
                "more than " + std::to_string(max_components) + " components");
  std::vector<ComponentId> components;
  std::vector<std::string> seen;
  components.reserve(signature_params.items.size());
  for (std::size_t i = 0; i < signature_params.items.size(); ++i) {
    const std::string path = "components[" + std::to_string(i) + "]";
    auto component = ComponentId::from_item(signature_params.items[i], path);
    if (!component)
      return std::unexpected(component.error());
    if (component->name == "@signature-params")
      return fail(ErrorCode::invalid_value, path,
                  "@signature-params can not be a covered component (section 2.3)");
    if (auto checked = check_component_id(*component); !checked)
      return std::unexpected(checked.error().under(path));
    std::string identity = identity_key(*component);
    if (std::find(seen.begin(), seen.end(), identity) != seen.end())
      return fail(ErrorCode::invalid_value, path,
                  "component " + component->name + " is covered twice (section 2.5)");
    seen.push_back(std::move(identity));
    components.push_back(std::move(*component));
  }
  return components;
}

Result<std::string> component_value(const HttpMessageView& message, const ComponentId& component,
                                    const HttpMessageView* related_request,
                                    const BaseOptions& options) {
  if (auto checked = check_component_id(component); !checked)
    return std::unexpected(checked.error());
  const bool derived = component.name.front() == '@';

  const HttpMessageView* source = &message;
  if (component.params.contains("req")) {
    // Section 2.4: the component comes from the request that triggered this response.
    if (!message.is_response())
      return invalid("\"req\" is only defined on a response (section 2.4)");
    if (related_request == nullptr)
      return absent("\"req\" needs the related request, which is not available");
    if (related_request->is_response())
      return invalid("the related request is a response");
    source = related_request;
  }
  if (derived)
    return derived_value(*source, *derived_component(component.name), component);
  return field_value(*source, component, options);
}

Result<std::string> build_signature_base(const HttpMessageView& message,
                                         const sf::InnerList& signature_params,
                                         const HttpMessageView* related_request,
                                         const BaseOptions& options) {
  auto components = covered_components(signature_params, options.field_limits.max_members);
  if (!components)
    return std::unexpected(components.error());
  std::string base;
  for (std::size_t i = 0; i < components->size(); ++i) {
    const std::string path = "components[" + std::to_string(i) + "]";
    const ComponentId* component = &(*components)[i];
    auto identifier = component->serialize();
    if (!identifier)
      return std::unexpected(identifier.error().under(path));
    auto value = component_value(message, *component, related_request, options);
    if (!value)
      return std::unexpected(value.error().under(path));
    base += *identifier;
    base += ": ";
    base += *value;
    base += '\n';
    if (base.size() > options.max_base_bytes)
      return fail(
          ErrorCode::invalid_value, path,
          "signature base longer than " + std::to_string(options.max_base_bytes) + " bytes");
  }
  auto params_line = sf::serialize(signature_params);
  if (!params_line)
    return std::unexpected(params_line.error());
  base += "\"@signature-params\": ";
  base += *params_line;
  if (base.size() > options.max_base_bytes)
    return fail(ErrorCode::invalid_value, "",
                "signature base longer than " + std::to_string(options.max_base_bytes) + " bytes");
  return base;
}

}  // namespace peerapi::auth::httpsig
