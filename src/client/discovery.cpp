#include "client/discovery.hpp"

#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "api/codec.hpp"

namespace peerapi::client {

namespace json = boost::json;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 16u << 20;
constexpr int kMaxDepth = 8;

std::unexpected<Error> bad(std::string field, std::string message) {
  return fail(ErrorCode::data_invalid, std::move(field), std::move(message));
}

/// {"asn": N, "url": "...", "expires"?: seconds} at `path`.
Result<EndpointEntry> entry_at(const json::value& value, const std::string& path,
                               bool allow_expires) {
  if (!value.is_object())
    return bad(path, "each entry must be an object {\"asn\": N, \"url\": \"https://...\"}");
  const json::object& o = value.get_object();
  for (const auto& [key, member] : o) {
    if (key != "asn" && key != "url" && !(allow_expires && key == "expires"))
      return bad(join_path(path, key), "unknown member \"" + std::string(key.substr(0, 64)) +
                                           "\" (known: asn, url" +
                                           (allow_expires ? ", expires)" : ")"));
  }
  const json::value* asn_value = o.if_contains("asn");
  if (asn_value == nullptr || !asn_value->is_int64())
    return bad(join_path(path, "asn"), "must be an integer ASN");
  auto asn = model::Asn::from_number(asn_value->get_int64(), join_path(path, "asn"));
  if (!asn)
    return bad(asn.error().field, asn.error().message);
  const json::value* url_value = o.if_contains("url");
  if (url_value == nullptr || !url_value->is_string())
    return bad(join_path(path, "url"), "must be a string (the peer's API base URL)");
  auto url = normalize_api_url(url_value->get_string(), join_path(path, "url"));
  if (!url)
    return bad(url.error().field, url.error().message);
  EndpointEntry out{.asn = *asn, .url = std::move(*url), .expires_ms = std::nullopt};
  if (const json::value* expires = o.if_contains("expires")) {
    if (!expires->is_int64() || expires->get_int64() < 0)
      return bad(join_path(path, "expires"), "must be Unix seconds (an integer)");
    out.expires_ms = expires->get_int64() * 1000;
  }
  return out;
}

Result<json::value> parse(std::string_view text) {
  auto parsed = api::parse_json(text, kMaxDepth);
  if (!parsed)
    return bad(parsed.error().field, parsed.error().message);
  return std::move(*parsed);
}

Result<std::string> read_small_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return fail(ErrorCode::io_error, "", file.string() + ": " + ec.message());
  if (size > kMaxFileBytes)
    return fail(ErrorCode::data_invalid, "",
                file.string() + ": larger than " + std::to_string(kMaxFileBytes) + " bytes");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, "", file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string_view to_string(EndpointOrigin origin) noexcept {
  switch (origin) {
    case EndpointOrigin::manual:
      return "manual";
    case EndpointOrigin::directory:
      return "directory";
    case EndpointOrigin::rpki:
      return "rpki";
  }
  return "unknown";
}

Result<std::string> normalize_api_url(std::string_view text, std::string_view field) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url ||
      (url->scheme_id() != boost::urls::scheme::https &&
       url->scheme_id() != boost::urls::scheme::http) ||
      url->host().empty() || url->has_userinfo() || url->has_query() || url->has_fragment()) {
    return fail(ErrorCode::invalid_url, std::string(field),
                "must be an absolute http(s) API base URL without credentials, query or "
                "fragment, e.g. \"https://peering.example.net/api\"");
  }
  std::string out(text);
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  return out;
}

Result<std::optional<Endpoint>> ManualEndpoints::lookup(model::Asn asn) {
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i].first == asn) {
      return Endpoint{.url = peers_[i].second,
                      .origin = EndpointOrigin::manual,
                      .source = "client.peers[" + std::to_string(i) + "]"};
    }
  }
  return std::optional<Endpoint>();
}

Result<std::vector<EndpointEntry>> parse_directory(std::string_view json_text) {
  auto parsed = parse(json_text);
  if (!parsed)
    return std::unexpected(parsed.error());
  if (!parsed->is_array())
    return bad("", "a directory file is a JSON array [{\"asn\": N, \"url\": \"https://...\"}]");
  std::vector<EndpointEntry> out;
  std::set<std::uint32_t> seen;
  const json::array& list = parsed->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "[" + std::to_string(i) + "]";
    auto entry = entry_at(list[i], path, false);
    if (!entry)
      return std::unexpected(entry.error());
    if (!seen.insert(entry->asn.value()).second)
      return bad(path + ".asn", entry->asn.to_string() + " is listed twice");
    out.push_back(std::move(*entry));
  }
  return out;
}

Result<std::vector<EndpointEntry>> parse_rpki_table(std::string_view json_text) {
  auto parsed = parse(json_text);
  if (!parsed)
    return std::unexpected(parsed.error());
  if (!parsed->is_object())
    return bad("", "an RPKI discovery table is an object {\"endpoints\": [...]}");
  const json::object& o = parsed->get_object();
  for (const auto& [key, member] : o) {
    if (key != "generated" && key != "endpoints")
      return bad(std::string(key.substr(0, 64)), "unknown member \"" +
                                                     std::string(key.substr(0, 64)) +
                                                     "\" (known: generated, endpoints)");
  }
  if (const json::value* generated = o.if_contains("generated");
      generated != nullptr && (!generated->is_int64() || generated->get_int64() < 0))
    return bad("generated", "must be Unix seconds (an integer)");
  const json::value* list = o.if_contains("endpoints");
  if (list == nullptr || !list->is_array())
    return bad("endpoints", "must be an array of {\"asn\", \"url\", \"expires\"?}");
  std::vector<EndpointEntry> out;
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    auto entry = entry_at(list->get_array()[i], "endpoints[" + std::to_string(i) + "]", true);
    if (!entry)
      return std::unexpected(entry.error());
    out.push_back(std::move(*entry));
  }
  return out;
}

EndpointFile::EndpointFile(EndpointOrigin origin, std::filesystem::path file,
                           const util::Clock& clock)
    : origin_(origin), file_(std::move(file)), clock_(clock) {}

Result<std::optional<Endpoint>> EndpointFile::lookup(model::Asn asn) {
  if (!entries_) {
    auto text = read_small_file(file_);
    if (!text)
      return std::unexpected(text.error());
    auto entries =
        origin_ == EndpointOrigin::rpki ? parse_rpki_table(*text) : parse_directory(*text);
    if (!entries) {
      Error e = entries.error();
      e.message = file_.string() + ": " + (e.field.empty() ? "" : e.field + ": ") + e.message;
      return std::unexpected(std::move(e));
    }
    entries_ = std::move(*entries);
  }
  const std::int64_t now = clock_.now_ms();
  for (std::size_t i = 0; i < entries_->size(); ++i) {
    const EndpointEntry& entry = (*entries_)[i];
    if (entry.asn != asn || (entry.expires_ms && *entry.expires_ms <= now))
      continue;
    return Endpoint{.url = entry.url,
                    .origin = origin_,
                    .source = file_.string() + " entry " + std::to_string(i)};
  }
  return std::optional<Endpoint>();
}

Result<Endpoint> EndpointFinder::find_endpoint(model::Asn asn) {
  std::string asked;
  for (const auto& source : sources_) {
    auto found = source->lookup(asn);
    if (!found)
      return std::unexpected(found.error());
    if (*found)
      return std::move(**found);
    asked += (asked.empty() ? "" : ", ") + std::string(to_string(source->origin()));
  }
  return fail(ErrorCode::not_found, "asn",
              "no Peering API endpoint known for " + asn.to_string() +
                  (asked.empty() ? " (no discovery source is configured: add [[client.peers]], "
                                   "client.directory_file or client.rpki_discovery_file)"
                                 : " (asked: " + asked + ")"));
}

}  // namespace peerapi::client
