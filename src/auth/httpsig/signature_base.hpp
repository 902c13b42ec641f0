// RFC 9421 message components (section 2) and the signature base (section 2.5): the exact bytes
// an HTTP message signature covers.
//
// Contract:
// - Component identifiers are sf-strings with parameters (section 2). Field names must be
//   lowercase (section 2.1); derived names are those of section 2.2: @method, @target-uri,
//   @authority, @scheme, @request-target, @path, @query, @query-param (with "name"), @status.
//   Known parameters: sf, key, bs (section 2.1), req (section 2.4), name (section 2.2.8). "tr"
//   (trailers) is understood but refused, as is every unknown parameter, every parameter on a
//   component it does not apply to, and incompatible combinations (bs with sf or key).
// - HTTP fields (section 2.1): all field lines with the name (case-insensitive), each stripped of
//   leading and trailing SP/HTAB and obs-fold replaced by SP, joined with ", ". A value holding
//   CR, LF, NUL or another control character other than HTAB is refused, so no value can add a
//   line to the base. "sf" re-serializes a field whose structured type is known (a built-in
//   table plus BaseOptions::structured_fields); "key" picks one Dictionary member; "bs" wraps
//   every line as a Byte Sequence.
// - Derived components come from HttpMessageView. @authority is normalised per RFC 9110 section
//   4.2.3 (lowercase host, default port dropped) via Boost.URL; @scheme is lowercased;
//   @target-uri is scheme "://" authority path-and-query; @path and @query are the raw
//   (percent-encoded) parts of the origin-form target, "/" and "?" when empty;
//   @query-param decodes names and values as application/x-www-form-urlencoded (WHATWG URL 5.1)
//   and re-encodes them with "percent-encode after encoding" (RFC 9421 section 2.2.8). A name
//   that occurs more than once can not be covered (section 2.2.8).
// - A response has `status`; request-only components on a response need "req" and the related
//   request, and @status and "req" are refused on a request (sections 2.2.9, 2.4).
// - Errors carry the path "components[i]" (i = position in the covered list) or "" for the list
//   itself. A component the message lacks (field absent, query parameter absent, no related
//   request) is unauthenticated: the message is not the one that was signed. Everything else
//   (malformed identifier, malformed or unsafe value, oversize base) is invalid_value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/httpsig/structured_fields.hpp"
#include "model/error.hpp"

namespace peerapi::auth::httpsig {

/// What a signature is computed over: the request (or response) as the server or client sees it.
/// A plain value; the caller fills it from its HTTP layer.
struct HttpMessageView {
  std::string method;  // "POST", as received (case-sensitive, RFC 9110 section 9.1)
  std::string scheme;  // "https"
  std::string
      authority;       // the Host field or :authority, e.g. "example.com" or "[2001:db8::1]:8443"
  std::string target;  // origin-form "/path?query" (or "*" for OPTIONS)
  std::vector<std::pair<std::string, std::string>> fields;  // name as received, value
  std::string body;
  std::optional<int> status;  // set for a response

  [[nodiscard]] bool is_response() const noexcept { return status.has_value(); }
  /// Every field line named `name` (compared case-insensitively), in message order.
  [[nodiscard]] std::vector<std::string_view> field_lines(std::string_view name) const;
  /// Whether any field line is named `name` (case-insensitive).
  [[nodiscard]] bool has_field(std::string_view name) const noexcept;
};

/// A covered component identifier (section 2): the component name and its parameters, in order.
struct ComponentId {
  std::string name;       // "@method", "content-digest"
  sf::Parameters params;  // e.g. {"name", "Pet"} for @query-param, {"key", "sig1"}, {"sf", true}

  /// The identifier as it appears in a signature base or Signature-Input: "\"@query-param\";
  /// name=\"Pet\"". invalid_value when a name or parameter can not be serialized.
  [[nodiscard]] Result<std::string> serialize() const;
  [[nodiscard]] sf::Item to_item() const;
  /// The identifier an Inner List member denotes; invalid_value at `field` unless it is a String.
  static Result<ComponentId> from_item(const sf::Item& item, std::string_view field);

  bool operator==(const ComponentId&) const = default;
};

enum class FieldType : std::uint8_t { list, dictionary, item };

struct BaseOptions {
  /// Structured types of fields for "sf" beyond the built-in table (which knows the RFC 9421,
  /// RFC 9530, RFC 9111/9209/9213/9218 and RFC 9440 fields). Names are lowercase.
  std::vector<std::pair<std::string, FieldType>> structured_fields;
  /// Bounds for re-parsing a field with "sf" or "key".
  sf::Limits field_limits;
  /// The largest signature base built; a bigger one is invalid_value.
  std::size_t max_base_bytes = 256 * 1024;
};

/// Checks an identifier on its own (section 2.5 step 2.4): a known derived name or a lowercase
/// field name, and parameters that are known, applicable and compatible. invalid_value, empty
/// field path.
Result<void> check_component_id(const ComponentId& component);

/// The covered components of a Signature-Input member: each a String (ComponentId::from_item),
/// each passing check_component_id, none twice (name and parameter set compared, in any order)
/// and none "@signature-params" (section 2.3); at most `max_components`. invalid_value at
/// "components[i]" (or "components" for too many).
Result<std::vector<ComponentId>> covered_components(const sf::InnerList& signature_params,
                                                    std::size_t max_components = 64);

/// The value of one component in `message` (sections 2.1 and 2.2), with "req" resolved against
/// `related_request`. Errors have an empty field path; build_signature_base prefixes them.
Result<std::string> component_value(const HttpMessageView& message, const ComponentId& component,
                                    const HttpMessageView* related_request = nullptr,
                                    const BaseOptions& options = {});

/// The signature base (section 2.5) for the covered components and signature parameters in
/// `signature_params` (one Signature-Input member value: an Inner List of component identifiers
/// with the signature parameters). The "@signature-params" line is the canonical serialization
/// of `signature_params` (section 2.3). The components are checked with covered_components
/// (limit: options.field_limits.max_members).
Result<std::string> build_signature_base(const HttpMessageView& message,
                                         const sf::InnerList& signature_params,
                                         const HttpMessageView* related_request = nullptr,
                                         const BaseOptions& options = {});

}  // namespace peerapi::auth::httpsig
