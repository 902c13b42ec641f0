#include "config/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "model/ip.hpp"
#include "model/location.hpp"

namespace peerapi::config {

namespace {

/// Collects every problem instead of stopping at the first: an operator fixes a file in one go.
class Checker {
 public:
  explicit Checker(std::string_view origin) : origin_(origin) {}

  void error(const toml::node* node, std::string path, std::string message) {
    std::string where = origin_;
    if (node != nullptr && node->source().begin.line > 0) {
      where += ":" + std::to_string(node->source().begin.line);
    }
    errors_.push_back(
        Error{ErrorCode::config_invalid, std::move(path), where + ": " + std::move(message)});
  }

  /// Reports keys of `table` that are not in `allowed`.
  void only_keys(const toml::table& table, std::string_view prefix,
                 std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : table) {
      bool known = false;
      for (auto a : allowed)
        known = known || key.str() == a;
      if (!known) {
        std::string expected;
        for (auto a : allowed)
          expected += (expected.empty() ? "" : ", ") + std::string(a);
        error(&value, join_path(prefix, key.str()),
              "unknown key \"" + std::string(key.str()) + "\" (known keys here: " + expected + ")");
      }
    }
  }

  const toml::table* table(const toml::table& parent, std::string_view key, std::string_view path,
                           bool required) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) {
      if (required)
        error(nullptr, std::string(path), "missing required table [" + std::string(path) + "]");
      return nullptr;
    }
    if (!node->is_table()) {
      error(node, std::string(path), "must be a table");
      return nullptr;
    }
    return node->as_table();
  }

  std::optional<std::string> string(const toml::table& t, std::string_view key,
                                    std::string_view path, bool required) {
    const toml::node* node = t.get(key);
    if (node == nullptr) {
      if (required)
        error(&t, std::string(path), "missing required key");
      return std::nullopt;
    }
    if (!node->is_string()) {
      error(node, std::string(path), "must be a string");
      return std::nullopt;
    }
    return node->as_string()->get();
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key,
                                      std::string_view path, std::int64_t min, std::int64_t max) {
    const toml::node* node = t.get(key);
    if (node == nullptr)
      return std::nullopt;
    if (!node->is_integer()) {
      error(node, std::string(path), "must be an integer");
      return std::nullopt;
    }
    const std::int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
      error(node, std::string(path),
            "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                std::to_string(value));
      return std::nullopt;
    }
    return value;
  }

  std::vector<model::Asn> asn_list(const toml::table& t, std::string_view key,
                                   std::string_view path, bool required) {
    std::vector<model::Asn> out;
    const toml::node* node = t.get(key);
    if (node == nullptr) {
      if (required)
        error(&t, std::string(path), "missing required key (a list of ASNs)");
      return out;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      error(node, std::string(path), "must be a list of ASNs, e.g. [64500]");
      return out;
    }
    if (array->empty() && required)
      error(node, std::string(path), "must name at least one ASN");
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      const std::string item_path = std::string(path) + "[" + std::to_string(i) + "]";
      if (!item.is_integer()) {
        error(&item, item_path, "must be an integer ASN");
        continue;
      }
      auto asn = model::Asn::from_number(item.as_integer()->get(), item_path);
      if (!asn) {
        error(&item, item_path, asn.error().message);
        continue;
      }
      out.push_back(*asn);
    }
    return out;
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key, std::string_view path) {
    const toml::node* node = t.get(key);
    if (node == nullptr)
      return std::nullopt;
    if (!node->is_boolean()) {
      error(node, std::string(path), "must be true or false");
      return std::nullopt;
    }
    return node->as_boolean()->get();
  }

  std::optional<std::vector<std::string>> string_list(const toml::table& t, std::string_view key,
                                                      std::string_view path) {
    const toml::node* node = t.get(key);
    if (node == nullptr)
      return std::nullopt;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      error(node, std::string(path), "must be a list of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      if (!item.is_string()) {
        error(&item, std::string(path) + "[" + std::to_string(i) + "]", "must be a string");
        continue;
      }
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  /// The tables of an array of tables ([[key]]), each with its path "prefix[i]".
  std::vector<std::pair<const toml::table*, std::string>> tables(const toml::table& t,
                                                                 std::string_view key,
                                                                 std::string_view path) {
    std::vector<std::pair<const toml::table*, std::string>> out;
    const toml::node* node = t.get(key);
    if (node == nullptr)
      return out;
    const toml::array* list = node->as_array();
    if (list == nullptr) {
      error(node, std::string(path), "must be an array of tables ([[" + std::string(path) + "]])");
      return out;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string item_path = std::string(path) + "[" + std::to_string(i) + "]";
      const toml::node& item = *list->get(i);
      if (!item.is_table()) {
        error(&item, item_path, "must be a table");
        continue;
      }
      out.emplace_back(item.as_table(), item_path);
    }
    return out;
  }

  std::vector<Error> take() { return std::move(errors_); }
  [[nodiscard]] bool ok() const { return errors_.empty(); }

 private:
  std::string origin_;
  std::vector<Error> errors_;
};

std::optional<ListenAddress> parse_listen(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (!model::IpAddress::parse(host) || model::IpAddress::parse(host)->is_v4())
      return std::nullopt;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      return std::nullopt;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host != "localhost" && !model::IpAddress::parse(host))
      return std::nullopt;
  }
  if (port_text.empty() || port_text.size() > 5)
    return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535)
    return std::nullopt;
  return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

bool plausible_email(std::string_view text) {
  const auto at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find('@', at + 1) == std::string_view::npos &&
         text.find_first_of(" \t\r\n<>\"") == std::string_view::npos;
}

/// A SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it ("AB:CD:...") or as
/// plain hex; nullopt unless it is 32 bytes. Returns lower-case hex without separators.
std::optional<std::string> sha256_fingerprint(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':')
      continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.size() != 64)
    return std::nullopt;
  return out;
}

/// [server.tls]: the keys' syntax. The files themselves are read and checked against each
/// other when the server builds its TLS context (server/tls_context.hpp), at start and on SIGHUP.
void read_server_tls(Checker& check, const toml::table& server, ServerSection& out) {
  const toml::table* t = check.table(server, "tls", "server.tls", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "server.tls",
                  {"cert_file", "key_file", "client_ca_file", "client_cert_sha256", "min_version"});
  TlsSection tls;
  for (auto [key, path, target] :
       {std::tuple{"cert_file", "server.tls.cert_file", &tls.cert_file},
        std::tuple{"key_file", "server.tls.key_file", &tls.key_file},
        std::tuple{"client_ca_file", "server.tls.client_ca_file", &tls.client_ca_file}}) {
    const bool required = std::string_view(key) != "client_ca_file";
    if (auto v = check.string(*t, key, path, required)) {
      if (v->empty())
        check.error(t->get(key), path, "must be a file path");
      *target = *v;
    }
  }
  if (auto list = check.string_list(*t, "client_cert_sha256", "server.tls.client_cert_sha256")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto fingerprint = sha256_fingerprint((*list)[i]);
      if (!fingerprint) {
        check.error(t->get("client_cert_sha256"),
                    "server.tls.client_cert_sha256[" + std::to_string(i) + "]",
                    "must be a SHA-256 fingerprint: 64 hex digits, optionally in pairs separated "
                    "by ':' (openssl x509 -noout -fingerprint -sha256)");
        continue;
      }
      tls.client_cert_sha256.push_back(*fingerprint);
    }
  }
  if (auto v = check.string(*t, "min_version", "server.tls.min_version", false)) {
    if (*v != "1.2" && *v != "1.3")
      check.error(t->get("min_version"), "server.tls.min_version",
                  "must be \"1.2\" or \"1.3\" (RFC 9325: older versions are not offered)");
    tls.min_version = *v;
  }
  out.tls = std::move(tls);
}

void read_server(Checker& check, const toml::table& root, ServerSection& out) {
  const toml::table* t = check.table(root, "server", "server", true);
  if (t == nullptr)
    return;
  check.only_keys(*t, "server",
                  {"listen", "base_path", "public_url", "threads", "write_threads",
                   "max_connections", "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms",
                   "max_body_bytes", "max_sessions_per_request", "max_json_depth", "tls",
                   "max_connections_per_address", "drain_timeout_ms"});
  const toml::node* listen = t->get("listen");
  if (listen == nullptr || !listen->is_array() || listen->as_array()->empty()) {
    check.error(listen != nullptr ? listen : t, "server.listen",
                "must be a non-empty list of \"host:port\" strings, e.g. [\"127.0.0.1:8080\"]");
  } else {
    const toml::array& list = *listen->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const toml::node& item = *list.get(i);
      const std::string path = "server.listen[" + std::to_string(i) + "]";
      auto parsed = item.is_string() ? parse_listen(item.as_string()->get()) : std::nullopt;
      if (!parsed) {
        check.error(
            &item, path,
            "must be \"host:port\" with an IP literal or localhost, e.g. \"127.0.0.1:8080\" "
            "or \"[::1]:8080\" (port 0 picks a free port)");
        continue;
      }
      out.listen.push_back(*parsed);
    }
  }
  if (auto base = check.string(*t, "base_path", "server.base_path", false)) {
    if (base->empty() || base->front() != '/' || base->find_first_of("?#% ") != std::string::npos ||
        base->find("//") != std::string::npos) {
      check.error(t->get("base_path"), "server.base_path",
                  "must be an absolute path such as \"/\" or \"/peering/v1\"");
    } else {
      out.base_path = *base;
      if (out.base_path.back() != '/')
        out.base_path += '/';
    }
  }
  if (auto url = check.string(*t, "public_url", "server.public_url", false)) {
    auto parsed = boost::urls::parse_absolute_uri(*url);
    const bool origin_only = parsed && (parsed->path().empty() || parsed->path() == "/") &&
                             !parsed->has_query() && !parsed->has_fragment() &&
                             !parsed->has_userinfo() && !parsed->host().empty() &&
                             (parsed->scheme_id() == boost::urls::scheme::https ||
                              parsed->scheme_id() == boost::urls::scheme::http);
    if (!origin_only) {
      check.error(t->get("public_url"), "server.public_url",
                  "must be an origin such as \"https://peering.example.net\" (scheme, host, "
                  "optional port; the path is server.base_path)");
    } else {
      out.public_url = *url;
      if (out.public_url.back() == '/')
        out.public_url.pop_back();
    }
  }
  if (auto v = check.integer(*t, "threads", "server.threads", 0, 256))
    out.threads = static_cast<int>(*v);
  if (auto v = check.integer(*t, "write_threads", "server.write_threads", 1, 256))
    out.write_threads = static_cast<int>(*v);
  if (auto v = check.integer(*t, "max_connections", "server.max_connections", 1, 1'000'000)) {
    out.max_connections = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "header_timeout_ms", "server.header_timeout_ms", 100, 600'000)) {
    out.header_timeout_ms = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "body_timeout_ms", "server.body_timeout_ms", 100, 600'000)) {
    out.body_timeout_ms = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "idle_timeout_ms", "server.idle_timeout_ms", 100, 3'600'000)) {
    out.idle_timeout_ms = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "max_body_bytes", "server.max_body_bytes", 1024, 64 << 20)) {
    out.max_body_bytes = static_cast<std::size_t>(*v);
  }
  if (auto v = check.integer(*t, "max_sessions_per_request", "server.max_sessions_per_request", 1,
                             1000)) {
    out.max_sessions_per_request = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "max_json_depth", "server.max_json_depth", 4, 64)) {
    out.max_json_depth = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "max_connections_per_address",
                             "server.max_connections_per_address", 0, 1'000'000)) {
    out.max_connections_per_address = static_cast<int>(*v);
  }
  if (auto v = check.integer(*t, "drain_timeout_ms", "server.drain_timeout_ms", 0, 600'000))
    out.drain_timeout_ms = static_cast<int>(*v);
  read_server_tls(check, *t, out);
}

void read_network(Checker& check, const toml::table& root, NetworkSection& out) {
  const toml::table* t = check.table(root, "network", "network", true);
  if (t == nullptr)
    return;
  check.only_keys(*t, "network", {"asns", "contact_email"});
  out.asns = check.asn_list(*t, "asns", "network.asns", true);
  if (auto email = check.string(*t, "contact_email", "network.contact_email", true)) {
    if (!plausible_email(*email)) {
      check.error(t->get("contact_email"), "network.contact_email",
                  "must be an email address, e.g. \"peering@example.net\"");
    }
    out.contact_email = *email;
  }
}

void read_store(Checker& check, const toml::table& root, StoreSection& out) {
  const toml::table* t = check.table(root, "store", "store", true);
  if (t == nullptr)
    return;
  check.only_keys(*t, "store", {"sqlite", "postgres", "synchronous"});
  const bool has_sqlite = t->contains("sqlite");
  const bool has_postgres = t->contains("postgres");
  if (has_sqlite == has_postgres) {
    check.error(t, "store",
                "set exactly one of sqlite (a database file) and postgres (a postgresql:// URI)");
  }
  if (auto file = check.string(*t, "sqlite", "store.sqlite", false)) {
    if (file->empty())
      check.error(t->get("sqlite"), "store.sqlite", "must be a file path");
    out.sqlite = *file;
  }
  // The URI holds a password: no message quotes it.
  if (auto uri = check.string(*t, "postgres", "store.postgres", false)) {
    if (!uri->starts_with("postgresql://") && !uri->starts_with("postgres://")) {
      check.error(t->get("postgres"), "store.postgres",
                  "must be a URI such as \"postgresql://peerapi:PASSWORD@db.example.net:5432/"
                  "peerapi\"");
    }
    out.postgres = *uri;
  }
  if (has_postgres && t->contains("synchronous")) {
    check.error(t->get("synchronous"), "store.synchronous",
                "applies to sqlite only (PostgreSQL's durability is the server's "
                "synchronous_commit)");
  }
  if (auto sync = check.string(*t, "synchronous", "store.synchronous", false)) {
    if (*sync != "full" && *sync != "normal") {
      check.error(t->get("synchronous"), "store.synchronous", "must be \"full\" or \"normal\"");
    }
    out.synchronous = *sync;
  }
}

void read_peeringdb(Checker& check, const toml::table& root, PeeringDbSection& out) {
  const toml::table* t = check.table(root, "peeringdb", "peeringdb", true);
  if (t == nullptr)
    return;
  check.only_keys(*t, "peeringdb",
                  {"snapshot_dir", "sync_url", "api_key_file", "sync_interval_seconds"});
  if (auto dir = check.string(*t, "snapshot_dir", "peeringdb.snapshot_dir", true)) {
    out.snapshot_dir = *dir;
  }
  out.sync_url = check.string(*t, "sync_url", "peeringdb.sync_url", false).value_or("");
  if (!out.sync_url.empty() && !out.sync_url.starts_with("https://") &&
      !out.sync_url.starts_with("http://")) {
    check.error(t->get("sync_url"), "peeringdb.sync_url",
                "must be an http(s) URL such as \"https://www.peeringdb.com/api\"");
  }
  out.api_key_file = check.string(*t, "api_key_file", "peeringdb.api_key_file", false).value_or("");
  out.sync_interval_seconds =
      check.integer(*t, "sync_interval_seconds", "peeringdb.sync_interval_seconds", 300, 86'400 * 7)
          .value_or(out.sync_interval_seconds);
}

void read_approval(Checker& check, const toml::table& root, ApprovalSection& out) {
  const toml::table* t = check.table(root, "approval", "approval", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "approval", {"mode", "propose_additional"});
  out.propose_additional =
      check.boolean(*t, "propose_additional", "approval.propose_additional").value_or(false);
  if (auto mode = check.string(*t, "mode", "approval.mode", false)) {
    if (*mode == "auto") {
      out.mode = ApprovalMode::automatic;
    } else if (*mode == "manual") {
      out.mode = ApprovalMode::manual;
    } else {
      check.error(t->get("mode"), "approval.mode", "must be \"auto\" or \"manual\"");
    }
  }
}

/// A share from 0 to 1 given as a TOML float (or 0 / 1 as integers).
std::optional<double> share(Checker& check, const toml::table& t, std::string_view key,
                            std::string_view path) {
  const toml::node* node = t.get(key);
  if (node == nullptr)
    return std::nullopt;
  double value = 0;
  if (node->is_floating_point()) {
    value = node->as_floating_point()->get();
  } else if (node->is_integer()) {
    value = static_cast<double>(node->as_integer()->get());
  } else {
    check.error(node, std::string(path), "must be a number from 0 to 1, such as 0.9");
    return std::nullopt;
  }
  if (!(value >= 0.0 && value <= 1.0)) {
    check.error(node, std::string(path), "must be a number from 0 to 1, such as 0.9");
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint32_t> count(Checker& check, const toml::table& t, std::string_view key,
                                   std::string_view path, std::int64_t min = 0) {
  auto value = check.integer(t, key, path, min, 4'294'967'295);
  if (!value)
    return std::nullopt;
  return static_cast<std::uint32_t>(*value);
}

std::optional<policy::Verdict> verdict(Checker& check, const toml::table& t, std::string_view key,
                                       std::string_view path) {
  auto text = check.string(t, key, path, false);
  if (!text)
    return std::nullopt;
  auto parsed = policy::parse_verdict(*text, path);
  if (!parsed) {
    check.error(t.get(key), std::string(path), "must be \"accept\", \"review\" or \"reject\"");
    return std::nullopt;
  }
  return *parsed;
}

bool valid_location_id(std::string_view text) {
  return model::LocationId::parse(text).has_value();
}

void read_policy(Checker& check, const toml::table& root, policy::Rules& out) {
  const toml::table* t = check.table(root, "policy", "policy", false);
  if (t == nullptr)
    return;
  check.only_keys(
      *t, "policy",
      {"deny_asns", "allow_asns", "require_peeringdb", "policy_general", "unknown_policy_general",
       "min_prefixes4", "max_prefixes4", "min_prefixes6", "max_prefixes6", "require_irr_as_set",
       "reject_rpki_invalid", "min_rpki_valid_share", "max_sessions_per_location",
       "max_sessions_total", "allow_ipv4", "allow_ipv6", "locations", "review_when"});
  out.deny_asns = check.asn_list(*t, "deny_asns", "policy.deny_asns", false);
  out.allow_asns = check.asn_list(*t, "allow_asns", "policy.allow_asns", false);
  out.require_peeringdb =
      check.boolean(*t, "require_peeringdb", "policy.require_peeringdb").value_or(true);
  if (const toml::table* general =
          check.table(*t, "policy_general", "policy.policy_general", false)) {
    check.only_keys(*general, "policy.policy_general", {"Open", "Selective", "Restrictive", "No"});
    for (const char* name : {"Open", "Selective", "Restrictive", "No"}) {
      if (auto v = verdict(check, *general, name, std::string("policy.policy_general.") + name))
        out.policy_general[name] = *v;
    }
  }
  if (auto v = verdict(check, *t, "unknown_policy_general", "policy.unknown_policy_general"))
    out.unknown_policy_general = *v;
  out.min_prefixes4 = count(check, *t, "min_prefixes4", "policy.min_prefixes4");
  out.max_prefixes4 = count(check, *t, "max_prefixes4", "policy.max_prefixes4");
  out.min_prefixes6 = count(check, *t, "min_prefixes6", "policy.min_prefixes6");
  out.max_prefixes6 = count(check, *t, "max_prefixes6", "policy.max_prefixes6");
  out.require_irr_as_set =
      check.boolean(*t, "require_irr_as_set", "policy.require_irr_as_set").value_or(false);
  out.reject_rpki_invalid =
      check.boolean(*t, "reject_rpki_invalid", "policy.reject_rpki_invalid").value_or(false);
  out.min_rpki_valid_share =
      share(check, *t, "min_rpki_valid_share", "policy.min_rpki_valid_share");
  out.max_sessions_per_location =
      count(check, *t, "max_sessions_per_location", "policy.max_sessions_per_location", 1);
  out.max_sessions_total = count(check, *t, "max_sessions_total", "policy.max_sessions_total", 1);
  out.allow_ipv4 = check.boolean(*t, "allow_ipv4", "policy.allow_ipv4").value_or(true);
  out.allow_ipv6 = check.boolean(*t, "allow_ipv6", "policy.allow_ipv6").value_or(true);

  if (const toml::table* locations = check.table(*t, "locations", "policy.locations", false)) {
    for (const auto& [key, node] : *locations) {
      const std::string id(key.str());
      const std::string path = "policy.locations." + id;
      if (!valid_location_id(id)) {
        check.error(&node, path, "a location id is \"pdb:ix:<id>\" or \"pdb:fac:<id>\"");
        continue;
      }
      if (!node.is_table()) {
        check.error(&node, path, "must be a table");
        continue;
      }
      const toml::table& lt = *node.as_table();
      check.only_keys(lt, path,
                      {"allow_ipv4", "allow_ipv6", "route_server_only", "max_sessions_per_location",
                       "verdict"});
      policy::RuleOverrides o;
      o.allow_ipv4 = check.boolean(lt, "allow_ipv4", path + ".allow_ipv4");
      o.allow_ipv6 = check.boolean(lt, "allow_ipv6", path + ".allow_ipv6");
      o.route_server_only = check.boolean(lt, "route_server_only", path + ".route_server_only");
      o.max_sessions_per_location =
          count(check, lt, "max_sessions_per_location", path + ".max_sessions_per_location", 1);
      o.verdict_override = verdict(check, lt, "verdict", path + ".verdict");
      out.locations[id] = o;
    }
  }

  for (const auto& [rt, path] : check.tables(*t, "review_when", "policy.review_when")) {
    check.only_keys(
        *rt, path,
        {"name", "asns", "locations", "policy_general", "info_types", "family", "max_prefixes"});
    policy::ReviewRule rule;
    rule.name = check.string(*rt, "name", path + ".name", true).value_or("");
    rule.asns = check.asn_list(*rt, "asns", path + ".asns", false);
    rule.locations = check.string_list(*rt, "locations", path + ".locations")
                         .value_or(std::vector<std::string>{});
    for (std::size_t i = 0; i < rule.locations.size(); ++i) {
      if (!valid_location_id(rule.locations[i])) {
        check.error(rt->get("locations"), path + ".locations[" + std::to_string(i) + "]",
                    "a location id is \"pdb:ix:<id>\" or \"pdb:fac:<id>\"");
      }
    }
    rule.policy_general = check.string_list(*rt, "policy_general", path + ".policy_general")
                              .value_or(std::vector<std::string>{});
    rule.info_types = check.string_list(*rt, "info_types", path + ".info_types")
                          .value_or(std::vector<std::string>{});
    if (auto family = check.integer(*rt, "family", path + ".family", 4, 6)) {
      if (*family == 5)
        check.error(rt->get("family"), path + ".family", "must be 4 or 6");
      else
        rule.family = *family == 4 ? model::IpFamily::v4 : model::IpFamily::v6;
    }
    rule.max_prefixes = count(check, *rt, "max_prefixes", path + ".max_prefixes");
    out.review_when.push_back(std::move(rule));
  }

  if (check.ok()) {
    if (auto checked = policy::check_rules(out); !checked)
      check.error(t, checked.error().field, checked.error().message);
  }
}

bool host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return false;
  const std::string_view port = text.substr(colon + 1);
  if (port.size() > 5 || !std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int number = std::stoi(std::string(port));
  return number > 0 && number < 65536;
}

void read_sources(Checker& check, const toml::table& root, SourcesSection& out) {
  const toml::table* t = check.table(root, "sources", "sources", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "sources", {"irr", "rpki", "iana"});
  if (const toml::table* irr = check.table(*t, "irr", "sources.irr", false)) {
    check.only_keys(*irr, "sources.irr", {"dumps", "irrd", "sources", "refresh_seconds"});
    for (const auto& dump :
         check.string_list(*irr, "dumps", "sources.irr.dumps").value_or(std::vector<std::string>{}))
      out.irr.dumps.emplace_back(dump);
    out.irr.irrd = check.string(*irr, "irrd", "sources.irr.irrd", false).value_or("");
    if (!out.irr.irrd.empty() && !host_port(out.irr.irrd))
      check.error(irr->get("irrd"), "sources.irr.irrd",
                  "must be \"host:port\", e.g. \"whois.radb.net:43\"");
    if (!out.irr.dumps.empty() && !out.irr.irrd.empty()) {
      check.error(irr->get("irrd"), "sources.irr.irrd",
                  "name either dumps or an IRRd server, not both");
    }
    out.irr.sources = check.string_list(*irr, "sources", "sources.irr.sources")
                          .value_or(std::vector<std::string>{});
    out.irr.refresh_seconds =
        check.integer(*irr, "refresh_seconds", "sources.irr.refresh_seconds", 60, 86'400 * 7)
            .value_or(out.irr.refresh_seconds);
  }
  if (const toml::table* rpki = check.table(*t, "rpki", "sources.rpki", false)) {
    check.only_keys(*rpki, "sources.rpki", {"vrps", "rtr", "refresh_seconds"});
    out.rpki.vrps = check.string(*rpki, "vrps", "sources.rpki.vrps", false).value_or("");
    out.rpki.rtr = check.string(*rpki, "rtr", "sources.rpki.rtr", false).value_or("");
    if (!out.rpki.rtr.empty() && !host_port(out.rpki.rtr))
      check.error(rpki->get("rtr"), "sources.rpki.rtr",
                  "must be \"host:port\", e.g. \"127.0.0.1:3323\"");
    if (!out.rpki.vrps.empty() && !out.rpki.rtr.empty()) {
      check.error(rpki->get("rtr"), "sources.rpki.rtr",
                  "name either a VRP file or an RTR cache, not both");
    }
    out.rpki.refresh_seconds =
        check.integer(*rpki, "refresh_seconds", "sources.rpki.refresh_seconds", 10, 86'400)
            .value_or(out.rpki.refresh_seconds);
  }
  if (const toml::table* iana = check.table(*t, "iana", "sources.iana", false)) {
    check.only_keys(*iana, "sources.iana", {"dir"});
    if (auto dir = check.string(*iana, "dir", "sources.iana.dir", false))
      out.iana.dir = *dir;
  }
}

std::optional<render::RtrCache> rtr_cache(std::string_view text) {
  if (!host_port(text))
    return std::nullopt;
  const auto colon = text.rfind(':');
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return render::RtrCache{
      host, static_cast<std::uint16_t>(std::stoi(std::string(text.substr(colon + 1))))};
}

void read_render(Checker& check, const toml::table& root, const SourcesSection& sources,
                 render::Options& out) {
  // The RTR cache the router uses defaults to the one peerapi itself reads.
  if (!sources.rpki.rtr.empty())
    out.rpki = rtr_cache(sources.rpki.rtr);
  const toml::table* t = check.table(root, "render", "render", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "render",
                  {"mode", "router_id", "strict_roles", "gtsm", "prefer_tcp_ao",
                   "max_prefix_headroom_percent", "max_prefix_warning_percent",
                   "max_prefix_default_v4", "max_prefix_default_v6", "max_prefix_restart_minutes",
                   "max_length_v4", "max_length_v6", "rpki_cache", "local_preference",
                   "rpki_not_found_local_preference", "dampening", "announce", "own_prefixes"});
  if (auto mode = check.string(*t, "mode", "render.mode", false)) {
    if (auto parsed = render::parse_filter_mode(*mode, "render.mode"))
      out.mode = *parsed;
    else
      check.error(t->get("mode"), "render.mode", parsed.error().message);
  }
  if (auto id = check.string(*t, "router_id", "render.router_id", false)) {
    if (auto parsed = model::IpAddress::parse(*id, "render.router_id"))
      out.router_id = *parsed;
    else
      check.error(t->get("router_id"), "render.router_id", parsed.error().message);
  }
  out.strict_roles = check.boolean(*t, "strict_roles", "render.strict_roles").value_or(false);
  out.gtsm = check.boolean(*t, "gtsm", "render.gtsm").value_or(true);
  out.prefer_tcp_ao = check.boolean(*t, "prefer_tcp_ao", "render.prefer_tcp_ao").value_or(true);
  out.dampening = check.boolean(*t, "dampening", "render.dampening").value_or(false);
  const auto int_key = [&](std::string_view key, std::int64_t min, std::int64_t max, auto& field) {
    const std::string path = "render." + std::string(key);
    if (auto value = check.integer(*t, key, path, min, max))
      field = static_cast<std::remove_reference_t<decltype(field)>>(*value);
  };
  int_key("max_prefix_headroom_percent", 0, 1000, out.max_prefix_headroom_percent);
  int_key("max_prefix_warning_percent", 1, 100, out.max_prefix_warning_percent);
  int_key("max_prefix_default_v4", 1, 10'000'000, out.max_prefix_default_v4);
  int_key("max_prefix_default_v6", 1, 10'000'000, out.max_prefix_default_v6);
  int_key("max_prefix_restart_minutes", 0, 65535, out.max_prefix_restart_minutes);
  int_key("max_length_v4", 8, 32, out.max_length_v4);
  int_key("max_length_v6", 16, 128, out.max_length_v6);
  int_key("local_preference", 1, 0xFFFFFFFFll, out.local_preference);
  int_key("rpki_not_found_local_preference", 0, 0xFFFFFFFFll, out.rpki_not_found_local_preference);
  if (auto cache = check.string(*t, "rpki_cache", "render.rpki_cache", false)) {
    if (cache->empty()) {
      out.rpki.reset();  // "" turns ROV off in the rendered configuration
    } else if (auto parsed = rtr_cache(*cache)) {
      out.rpki = *parsed;
    } else {
      check.error(t->get("rpki_cache"), "render.rpki_cache",
                  "must be \"host:port\" of the RTR cache the router connects to, e.g. "
                  "\"127.0.0.1:3323\" (\"\" for no ROV)");
    }
  }
  const auto announce = check.string_list(*t, "announce", "render.announce");
  for (std::size_t i = 0; announce && i < announce->size(); ++i) {
    const std::string path = "render.announce[" + std::to_string(i) + "]";
    if (auto range = model::parse_prefix_range((*announce)[i], path))
      out.announce.push_back(*range);
    else
      check.error(t->get("announce"), path, range.error().message);
  }
  const auto own = check.string_list(*t, "own_prefixes", "render.own_prefixes");
  for (std::size_t i = 0; own && i < own->size(); ++i) {
    const std::string path = "render.own_prefixes[" + std::to_string(i) + "]";
    if (auto prefix = model::Prefix::parse((*own)[i], path))
      out.own_prefixes.push_back(*prefix);
    else
      check.error(t->get("own_prefixes"), path, prefix.error().message);
  }
  for (const auto& error : render::check_options(out, "render")) {
    // "render.announce[1]" -> the node of key "announce", for the line number.
    const std::string key = error.field.substr(std::string_view("render.").size());
    check.error(t->get(key.substr(0, key.find('['))), error.field, error.message);
  }
}

// JWS algorithms an access token or proof may use. HS* are absent on purpose: a shared secret
// between an IdP and every resource server is not how tokens for other networks are checked.
const std::set<std::string, std::less<>> kAsymmetricAlgorithms{
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};

std::vector<std::string> algorithm_list(Checker& check, const toml::table& t, std::string_view key,
                                        const std::string& path, bool required) {
  auto list = check.string_list(t, key, path);
  if (!list) {
    if (required && t.get(key) == nullptr)
      check.error(&t, path, "missing required key (e.g. [\"ES256\", \"EdDSA\"])");
    return {};
  }
  if (list->empty())
    check.error(t.get(key), path, "must name at least one algorithm");
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (!kAsymmetricAlgorithms.contains((*list)[i])) {
      check.error(t.get(key), path + "[" + std::to_string(i) + "]",
                  "unknown or refused algorithm \"" + (*list)[i] +
                      "\" (allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, "
                      "ES512, EdDSA; never none or HS*)");
    }
  }
  return *list;
}

bool https_url(std::string_view text, bool allow_path = true) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url || url->scheme_id() != boost::urls::scheme::https || url->host().empty() ||
      url->has_fragment() || url->has_userinfo())
    return false;
  return allow_path || url->path().empty() || url->path() == "/";
}

void read_auth_options(Checker& check, const toml::table& t, AuthSection& out) {
  if (auto v = check.boolean(t, "require_dpop", "auth.require_dpop"))
    out.require_dpop = *v;
  if (auto v = check.boolean(t, "require_signatures", "auth.require_signatures"))
    out.require_signatures = *v;
  if (auto v = check.boolean(t, "dpop_nonce", "auth.dpop_nonce"))
    out.dpop_nonce = *v;
  if (t.get("proof_algorithms") != nullptr)
    out.proof_algorithms =
        algorithm_list(check, t, "proof_algorithms", "auth.proof_algorithms", false);
  if (auto v = check.integer(t, "leeway_seconds", "auth.leeway_seconds", 0, 600))
    out.leeway_seconds = static_cast<int>(*v);
  if (auto v = check.integer(t, "proof_max_age_seconds", "auth.proof_max_age_seconds", 10, 3600))
    out.proof_max_age_seconds = static_cast<int>(*v);
  if (out.require_signatures && !out.require_dpop) {
    check.error(t.get("require_signatures"), "auth.require_signatures",
                "needs require_dpop = true: requests are signed with the DPoP key, whose "
                "thumbprint the access token binds (RFC 9449 section 6.1)");
  }
  if (out.dpop_nonce && !out.require_dpop) {
    check.error(t.get("dpop_nonce"), "auth.dpop_nonce", "needs require_dpop = true");
  }
}

void read_issuers(Checker& check, const toml::table& t, AuthSection& out) {
  std::set<std::string> seen;
  for (const auto& [entry, path] : check.tables(t, "issuers", "auth.issuers")) {
    check.only_keys(*entry, path,
                    {"issuer", "audience", "jwks_uri", "discovery", "jwks_file", "algorithms",
                     "asn_claim", "min_perms", "accept_plain_jwt"});
    IssuerConfig issuer;
    if (auto v = check.string(*entry, "issuer", path + ".issuer", true)) {
      if (!https_url(*v))
        check.error(entry->get("issuer"), path + ".issuer",
                    "must be an https URL (the token's iss), e.g. \"https://idp.example.net\"");
      else if (!seen.insert(*v).second)
        check.error(entry->get("issuer"), path + ".issuer", "the same issuer is configured twice");
      issuer.issuer = *v;
    }
    if (auto v = check.string(*entry, "audience", path + ".audience", true)) {
      if (v->empty())
        check.error(entry->get("audience"), path + ".audience", "must not be empty");
      issuer.audience = *v;
    }
    int sources = 0;
    if (auto v = check.string(*entry, "jwks_uri", path + ".jwks_uri", false)) {
      ++sources;
      if (!https_url(*v))
        check.error(entry->get("jwks_uri"), path + ".jwks_uri", "must be an https URL");
      issuer.jwks_uri = *v;
    }
    if (auto v = check.boolean(*entry, "discovery", path + ".discovery")) {
      issuer.discovery = *v;
      sources += *v ? 1 : 0;
    }
    if (auto v = check.string(*entry, "jwks_file", path + ".jwks_file", false)) {
      ++sources;
      if (v->empty())
        check.error(entry->get("jwks_file"), path + ".jwks_file", "must not be empty");
      issuer.jwks_file = *v;
    }
    if (sources != 1) {
      check.error(entry, path,
                  "needs exactly one key source: jwks_uri = \"https://...\", discovery = true, "
                  "or jwks_file = \"path\"");
    }
    issuer.algorithms = algorithm_list(check, *entry, "algorithms", path + ".algorithms", true);
    if (auto v = check.string(*entry, "asn_claim", path + ".asn_claim", false)) {
      if (v->empty())
        check.error(entry->get("asn_claim"), path + ".asn_claim", "must not be empty");
      issuer.asn_claim = *v;
    }
    if (auto v = check.integer(*entry, "min_perms", path + ".min_perms", 1, 15))
      issuer.min_perms = static_cast<int>(*v);
    if (auto v = check.boolean(*entry, "accept_plain_jwt", path + ".accept_plain_jwt"))
      issuer.accept_plain_jwt = *v;
    out.issuers.push_back(std::move(issuer));
  }
}

void read_peeringdb_oauth(Checker& check, const toml::table& t, AuthSection& out) {
  const toml::table* p = check.table(t, "peeringdb_oauth", "auth.peeringdb_oauth", false);
  if (p == nullptr)
    return;
  check.only_keys(*p, "auth.peeringdb_oauth", {"profile_url", "min_perms", "cache_seconds"});
  PeeringDbOAuthConfig config;
  if (auto v = check.string(*p, "profile_url", "auth.peeringdb_oauth.profile_url", false)) {
    if (!https_url(*v))
      check.error(p->get("profile_url"), "auth.peeringdb_oauth.profile_url",
                  "must be an https URL, e.g. \"https://auth.peeringdb.com/profile/v1\"");
    config.profile_url = *v;
  }
  if (auto v = check.integer(*p, "min_perms", "auth.peeringdb_oauth.min_perms", 1, 15))
    config.min_perms = static_cast<int>(*v);
  if (auto v = check.integer(*p, "cache_seconds", "auth.peeringdb_oauth.cache_seconds", 0, 3600))
    config.cache_seconds = static_cast<int>(*v);
  out.peeringdb_oauth = config;
}

void read_attested_idps(Checker& check, const toml::table& t, AuthSection& out) {
  std::set<std::string> seen;
  for (const auto& [entry, path] : check.tables(t, "attested_idps", "auth.attested_idps")) {
    check.only_keys(*entry, path, {"issuer", "asns"});
    AttestedIdp idp;
    if (auto v = check.string(*entry, "issuer", path + ".issuer", true)) {
      if (!https_url(*v))
        check.error(entry->get("issuer"), path + ".issuer", "must be an https URL");
      else if (!seen.insert(*v).second)
        check.error(entry->get("issuer"), path + ".issuer", "the same issuer is listed twice");
      idp.issuer = *v;
    }
    idp.asns = check.asn_list(*entry, "asns", path + ".asns", true);
    out.attested_idps.push_back(std::move(idp));
  }
}

void read_auth(Checker& check, const toml::table& root, AuthSection& out) {
  const toml::table* t = check.table(root, "auth", "auth", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "auth",
                  {"static_tokens", "issuers", "peeringdb_oauth", "attested_idps", "require_dpop",
                   "require_signatures", "dpop_nonce", "proof_algorithms", "leeway_seconds",
                   "proof_max_age_seconds"});
  read_auth_options(check, *t, out);
  read_issuers(check, *t, out);
  read_peeringdb_oauth(check, *t, out);
  read_attested_idps(check, *t, out);
  const toml::node* tokens = t->get("static_tokens");
  if (tokens == nullptr)
    return;
  const toml::array* list = tokens->as_array();
  if (list == nullptr) {
    check.error(tokens, "auth.static_tokens",
                "must be an array of tables ([[auth.static_tokens]])");
    return;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = "auth.static_tokens[" + std::to_string(i) + "]";
    const toml::node& item = *list->get(i);
    if (!item.is_table()) {
      check.error(&item, path, "must be a table with token, asns and subject");
      continue;
    }
    const toml::table& entry = *item.as_table();
    check.only_keys(entry, path, {"token", "asns", "subject"});
    StaticToken token;
    if (auto value = check.string(entry, "token", path + ".token", true)) {
      if (value->size() < 8 || value->find_first_of(" \t\r\n") != std::string::npos) {
        check.error(entry.get("token"), path + ".token",
                    "must be at least 8 characters without whitespace");
      } else if (!seen.insert(*value).second) {
        check.error(entry.get("token"), path + ".token", "the same token is configured twice");
      }
      token.token = *value;
    }
    token.asns = check.asn_list(entry, "asns", path + ".asns", true);
    if (auto subject = check.string(entry, "subject", path + ".subject", true)) {
      if (subject->empty())
        check.error(entry.get("subject"), path + ".subject", "must not be empty");
      token.subject = *subject;
    }
    out.static_tokens.push_back(std::move(token));
  }
}

void read_outbound(Checker& check, const toml::table& root, OutboundSection& out) {
  const toml::table* t = check.table(root, "outbound", "outbound", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "outbound",
                  {"http_hosts", "allowed_prefixes", "allow_loopback", "ca_file", "timeout_ms"});
  if (auto hosts = check.string_list(*t, "http_hosts", "outbound.http_hosts"))
    out.http_hosts = *hosts;
  if (auto prefixes = check.string_list(*t, "allowed_prefixes", "outbound.allowed_prefixes")) {
    for (std::size_t i = 0; i < prefixes->size(); ++i) {
      const std::string path = "outbound.allowed_prefixes[" + std::to_string(i) + "]";
      if (auto prefix = model::Prefix::parse((*prefixes)[i], path); !prefix)
        check.error(
            t->get("allowed_prefixes"), path,
            "must be a CIDR prefix such as \"10.20.0.0/16\" (" + prefix.error().message + ")");
    }
    out.allowed_prefixes = *prefixes;
  }
  if (auto v = check.boolean(*t, "allow_loopback", "outbound.allow_loopback"))
    out.allow_loopback = *v;
  if (auto v = check.string(*t, "ca_file", "outbound.ca_file", false))
    out.ca_file = *v;
  if (auto v = check.integer(*t, "timeout_ms", "outbound.timeout_ms", 100, 120'000))
    out.timeout_ms = static_cast<int>(*v);
}

void read_log(Checker& check, const toml::table& root, LogSection& out) {
  const toml::table* t = check.table(root, "log", "log", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "log", {"level", "format", "access"});
  if (auto level = check.string(*t, "level", "log.level", false)) {
    static const std::set<std::string, std::less<>> kLevels{"trace", "debug", "info", "warn",
                                                            "error"};
    if (!kLevels.contains(*level)) {
      check.error(t->get("level"), "log.level", "must be one of trace, debug, info, warn, error");
    }
    out.level = *level;
  }
  if (auto format = check.string(*t, "format", "log.format", false)) {
    if (*format != "text" && *format != "json") {
      check.error(t->get("format"), "log.format", "must be \"text\" or \"json\"");
    }
    out.format = *format;
  }
  if (auto access = check.boolean(*t, "access", "log.access"))
    out.access = *access;
}

void read_audit(Checker& check, const toml::table& root, AuditSection& out) {
  const toml::table* t = check.table(root, "audit", "audit", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "audit", {"retention_days"});
  if (auto v = check.integer(*t, "retention_days", "audit.retention_days", 0, 36'500))
    out.retention_days = static_cast<int>(*v);
}

/// A request rate in requests per second: a TOML number, 0 (off) up to one million.
std::optional<double> rate(Checker& check, const toml::table& t, std::string_view key,
                           std::string_view path) {
  const toml::node* node = t.get(key);
  if (node == nullptr)
    return std::nullopt;
  double value = -1;
  if (node->is_floating_point())
    value = node->as_floating_point()->get();
  else if (node->is_integer())
    value = static_cast<double>(node->as_integer()->get());
  if (!(value >= 0.0 && value <= 1e6)) {
    check.error(node, std::string(path),
                "must be a number of requests per second from 0 (off) to 1000000, such as 20.0");
    return std::nullopt;
  }
  return value;
}

/// A list of CIDR prefixes ("10.0.0.0/8", "2001:db8::/32"), each checked.
std::optional<std::vector<model::Prefix>> prefix_list(Checker& check, const toml::table& t,
                                                      std::string_view key, std::string_view path) {
  auto texts = check.string_list(t, key, path);
  if (!texts)
    return std::nullopt;
  std::vector<model::Prefix> out;
  for (std::size_t i = 0; i < texts->size(); ++i) {
    const std::string item_path = std::string(path) + "[" + std::to_string(i) + "]";
    auto prefix = model::Prefix::parse((*texts)[i], item_path);
    if (!prefix) {
      check.error(t.get(key), item_path,
                  "must be a CIDR prefix such as \"192.0.2.0/24\" or "
                  "\"2001:db8::/32\" (" +
                      prefix.error().message + ")");
      continue;
    }
    out.push_back(*prefix);
  }
  return out;
}

void read_limits(Checker& check, const toml::table& root, LimitsSection& out) {
  const toml::table* t = check.table(root, "limits", "limits", false);
  if (t == nullptr)
    return;
  check.only_keys(
      *t, "limits",
      {"per_address_rate", "per_address_burst", "per_asn_rate", "per_asn_burst",
       "max_pending_per_requester", "max_tracked_keys", "trusted_proxies", "allowed_senders"});
  // A bucket that is on needs room for at least one request.
  auto bucket = [&](std::string_view rate_key, std::string_view burst_key, double& rate_out,
                    std::int64_t& burst_out) {
    const std::string rate_path = "limits." + std::string(rate_key);
    const std::string burst_path = "limits." + std::string(burst_key);
    if (auto v = rate(check, *t, rate_key, rate_path))
      rate_out = *v;
    if (auto v = check.integer(*t, burst_key, burst_path, 0, 1'000'000'000))
      burst_out = *v;
    if (rate_out > 0 && burst_out < 1) {
      check.error(t->get(burst_key) != nullptr ? t->get(burst_key) : t, burst_path,
                  "must be at least 1 while " + rate_path +
                      " is above 0 (set the rate to 0 to "
                      "turn this limit off)");
    }
  };
  bucket("per_address_rate", "per_address_burst", out.per_address_rate, out.per_address_burst);
  bucket("per_asn_rate", "per_asn_burst", out.per_asn_rate, out.per_asn_burst);
  if (auto v = check.integer(*t, "max_pending_per_requester", "limits.max_pending_per_requester", 0,
                             1'000'000))
    out.max_pending_per_requester = *v;
  if (auto v = check.integer(*t, "max_tracked_keys", "limits.max_tracked_keys", 16, 100'000'000))
    out.max_tracked_keys = *v;
  if (auto v = prefix_list(check, *t, "trusted_proxies", "limits.trusted_proxies"))
    out.trusted_proxies = std::move(*v);
  const toml::table* senders = check.table(*t, "allowed_senders", "limits.allowed_senders", false);
  if (senders == nullptr)
    return;
  check.only_keys(*senders, "limits.allowed_senders", {"api", "registration", "health", "metrics"});
  const std::pair<std::string_view, std::vector<model::Prefix>*> groups[] = {
      {"api", &out.allowed_senders.api},
      {"registration", &out.allowed_senders.registration},
      {"health", &out.allowed_senders.health},
      {"metrics", &out.allowed_senders.metrics}};
  for (const auto& [group, list] : groups) {
    if (auto v =
            prefix_list(check, *senders, group, "limits.allowed_senders." + std::string(group)))
      *list = std::move(*v);
  }
}

/// An API base URL: absolute http(s) with a host, no credentials, query or fragment. The outbound
/// guard decides at request time whether plain http may be used for it.
bool api_base_url(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  return url &&
         (url->scheme_id() == boost::urls::scheme::https ||
          url->scheme_id() == boost::urls::scheme::http) &&
         !url->host().empty() && !url->has_userinfo() && !url->has_query() && !url->has_fragment();
}

void read_client_peers(Checker& check, const toml::table& t, ClientSection& out) {
  std::set<std::uint32_t> seen;
  for (const auto& [entry, path] : check.tables(t, "peers", "client.peers")) {
    check.only_keys(*entry, path, {"asn", "url"});
    std::optional<model::Asn> asn;
    if (const toml::node* node = entry->get("asn"); node == nullptr) {
      check.error(entry, path + ".asn", "missing required key (the peer's ASN)");
    } else if (!node->is_integer()) {
      check.error(node, path + ".asn", "must be an integer ASN");
    } else if (auto parsed = model::Asn::from_number(node->as_integer()->get(), path + ".asn")) {
      asn = *parsed;
      if (!seen.insert(parsed->value()).second)
        check.error(node, path + ".asn", "the same peer ASN is listed twice");
    } else {
      check.error(node, path + ".asn", parsed.error().message);
    }
    std::string url;
    if (auto v = check.string(*entry, "url", path + ".url", true)) {
      if (!api_base_url(*v)) {
        check.error(entry->get("url"), path + ".url",
                    "must be the peer's API base URL, e.g. \"https://peering.example.net/api\" "
                    "(http(s), no credentials, query or fragment)");
      }
      url = *v;
      while (url.size() > 1 && url.back() == '/')
        url.pop_back();
    }
    if (asn)
      out.peers.push_back(ClientPeer{*asn, std::move(url)});
  }
}

/// An OAuth endpoint or issuer URL: absolute http(s) with a host, no credentials or fragment,
/// and with `allow_query` false no query (RFC 8414 section 2 for issuers; RFC 6749 section 3.2
/// lets a token endpoint carry a query). Plain http is the outbound guard's call at request time.
bool oauth_url(std::string_view text, bool allow_query) {
  auto url = boost::urls::parse_absolute_uri(text);
  return url &&
         (url->scheme_id() == boost::urls::scheme::https ||
          url->scheme_id() == boost::urls::scheme::http) &&
         !url->host().empty() && !url->has_userinfo() && (allow_query || !url->has_query());
}

/// RFC 6749 section 3.3: scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B /
/// %x5D-7E ).
bool scope_value(std::string_view text) {
  if (text.empty() || text.front() == ' ' || text.back() == ' ' ||
      text.find("  ") != std::string_view::npos)
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\');
  });
}

/// A file path key: a non-empty string.
std::optional<std::filesystem::path> path_key(Checker& check, const toml::table& t,
                                              std::string_view key, const std::string& path) {
  auto v = check.string(t, key, path, false);
  if (!v)
    return std::nullopt;
  if (v->empty()) {
    check.error(t.get(key), path, "must be a file path");
    return std::nullopt;
  }
  return std::filesystem::path(*v);
}

void read_client_idp(Checker& check, const toml::table& client, ClientSection& out) {
  const toml::table* t = check.table(client, "idp", "client.idp", false);
  if (t == nullptr)
    return;
  check.only_keys(
      *t, "client.idp",
      {"grant", "issuer", "token_endpoint", "client_id", "client_secret", "client_secret_file",
       "auth_method", "scope", "audience", "resource", "subject_token_file", "subject_token_type",
       "requested_token_type", "token_cache_file", "dev_key_file", "dev_ttl_seconds"});
  ClientIdpSection idp;
  if (auto v = check.string(*t, "grant", "client.idp.grant", false)) {
    if (*v == "client_credentials")
      idp.grant = IdpGrant::client_credentials;
    else if (*v == "token_exchange")
      idp.grant = IdpGrant::token_exchange;
    else if (*v == "dev")
      idp.grant = IdpGrant::dev;
    else
      check.error(t->get("grant"), "client.idp.grant",
                  "must be \"client_credentials\" (RFC 6749 section 4.4), \"token_exchange\" "
                  "(RFC 8693) or \"dev\" (the development IdP key)");
  }
  const bool dev = idp.grant == IdpGrant::dev;
  const bool exchange = idp.grant == IdpGrant::token_exchange;
  // Keys that mean nothing for the chosen grant are errors: a typo in "grant" must not leave a
  // half-used configuration.
  auto only_for = [&](std::string_view key, bool allowed, std::string_view grants) {
    if (!allowed && t->get(key) != nullptr)
      check.error(t->get(key), "client.idp." + std::string(key),
                  "is used only with grant = " + std::string(grants));
  };
  if (auto v = check.string(*t, "issuer", "client.idp.issuer", false)) {
    if (!oauth_url(*v, false))
      check.error(t->get("issuer"), "client.idp.issuer",
                  "must be the IdP's issuer URL, e.g. \"https://idp.example.net\" (http(s), no "
                  "credentials, query or fragment; RFC 8414 section 2)");
    idp.issuer = *v;
  }
  if (auto v = check.string(*t, "token_endpoint", "client.idp.token_endpoint", false)) {
    if (!oauth_url(*v, true))
      check.error(t->get("token_endpoint"), "client.idp.token_endpoint",
                  "must be an absolute http(s) URL without credentials or fragment, e.g. "
                  "\"https://idp.example.net/oauth2/token\"");
    idp.token_endpoint = *v;
  }
  only_for("token_endpoint", !dev, "\"client_credentials\" or \"token_exchange\"");
  if (!dev && t->get("issuer") == nullptr && t->get("token_endpoint") == nullptr)
    check.error(t, "client.idp.token_endpoint",
                "missing: give token_endpoint, or issuer to find it in the IdP's metadata "
                "(RFC 8414)");
  if (auto v = check.string(*t, "auth_method", "client.idp.auth_method", false)) {
    if (*v == "client_secret_basic")
      idp.auth_method = TokenAuthMethod::client_secret_basic;
    else if (*v == "client_secret_post")
      idp.auth_method = TokenAuthMethod::client_secret_post;
    else if (*v == "none")
      idp.auth_method = TokenAuthMethod::none;
    else
      check.error(t->get("auth_method"), "client.idp.auth_method",
                  "must be \"client_secret_basic\", \"client_secret_post\" or \"none\"");
    if (idp.auth_method == TokenAuthMethod::none && idp.grant == IdpGrant::client_credentials)
      check.error(t->get("auth_method"), "client.idp.auth_method",
                  "the client credentials grant needs client authentication (RFC 6749 section "
                  "4.4): use client_secret_basic or client_secret_post");
  }
  only_for("auth_method", !dev, "\"client_credentials\" or \"token_exchange\"");
  const bool secret_needed = !dev && idp.auth_method != TokenAuthMethod::none;
  if (auto v = check.string(*t, "client_id", "client.idp.client_id", false)) {
    if (v->empty())
      check.error(t->get("client_id"), "client.idp.client_id", "must not be empty");
    idp.client_id = *v;
  } else if (secret_needed) {
    check.error(t, "client.idp.client_id", "missing required key (our client id at the IdP)");
  }
  only_for("client_id", !dev, "\"client_credentials\" or \"token_exchange\"");
  if (auto v = check.string(*t, "client_secret", "client.idp.client_secret", false)) {
    if (v->empty())
      check.error(t->get("client_secret"), "client.idp.client_secret", "must not be empty");
    idp.client_secret = *v;
  }
  if (auto v = path_key(check, *t, "client_secret_file", "client.idp.client_secret_file")) {
    idp.client_secret_file = *v;
    if (t->get("client_secret") != nullptr)
      check.error(t->get("client_secret_file"), "client.idp.client_secret_file",
                  "give client_secret or client_secret_file, not both");
  }
  const bool has_secret =
      t->get("client_secret") != nullptr || t->get("client_secret_file") != nullptr;
  if (secret_needed && !has_secret)
    check.error(t, "client.idp.client_secret",
                "missing: give client_secret or client_secret_file (or auth_method = \"none\" "
                "with grant = \"token_exchange\")");
  if (!secret_needed && has_secret) {
    const char* key = t->get("client_secret") != nullptr ? "client_secret" : "client_secret_file";
    check.error(
        t->get(key), "client.idp." + std::string(key),
        dev ? "is not used with grant = \"dev\"" : "is not used with auth_method = \"none\"");
  }
  if (auto v = check.string(*t, "scope", "client.idp.scope", false)) {
    if (!scope_value(*v))
      check.error(t->get("scope"), "client.idp.scope",
                  "must be scope tokens separated by single spaces (RFC 6749 section 3.3)");
    idp.scope = *v;
  }
  if (auto v = check.string(*t, "audience", "client.idp.audience", false)) {
    if (v->empty())
      check.error(t->get("audience"), "client.idp.audience", "must not be empty");
    idp.audience = *v;
  } else if (dev) {
    check.error(t, "client.idp.audience",
                "missing: grant = \"dev\" needs the audience the peer's server expects");
  }
  if (auto v = check.string_list(*t, "resource", "client.idp.resource")) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!boost::urls::parse_absolute_uri((*v)[i]))
        check.error(t->get("resource"), "client.idp.resource[" + std::to_string(i) + "]",
                    "must be an absolute URI without fragment (RFC 8707 section 2)");
    }
    idp.resources = *v;
  }
  only_for("resource", !dev, "\"client_credentials\" or \"token_exchange\"");
  if (auto v = path_key(check, *t, "subject_token_file", "client.idp.subject_token_file"))
    idp.subject_token_file = *v;
  if (exchange && t->get("subject_token_file") == nullptr)
    check.error(t, "client.idp.subject_token_file",
                "missing: grant = \"token_exchange\" needs the token to exchange (RFC 8693 "
                "section 2.1 subject_token)");
  only_for("subject_token_file", exchange, "\"token_exchange\"");
  for (const char* key : {"subject_token_type", "requested_token_type"}) {
    const std::string path = std::string("client.idp.") + key;
    if (auto v = check.string(*t, key, path, false)) {
      if (!boost::urls::parse_absolute_uri(*v))
        check.error(t->get(key), path,
                    "must be a token type URI such as "
                    "\"urn:ietf:params:oauth:token-type:jwt\" (RFC 8693 section 3)");
      if (std::string_view(key) == "subject_token_type")
        idp.subject_token_type = *v;
      else
        idp.requested_token_type = *v;
    }
    only_for(key, exchange, "\"token_exchange\"");
  }
  if (auto v = path_key(check, *t, "token_cache_file", "client.idp.token_cache_file"))
    idp.token_cache_file = *v;
  only_for("token_cache_file", !dev, "\"client_credentials\" or \"token_exchange\"");
  if (auto v = path_key(check, *t, "dev_key_file", "client.idp.dev_key_file"))
    idp.dev_key_file = *v;
  if (dev && t->get("dev_key_file") == nullptr)
    check.error(t, "client.idp.dev_key_file",
                "missing: grant = \"dev\" needs the key `peerapi dev-idp keygen` wrote");
  if (auto v = check.integer(*t, "dev_ttl_seconds", "client.idp.dev_ttl_seconds", 60, 86'400))
    idp.dev_ttl_seconds = *v;
  if (!out.token.empty() || !out.token_file.empty())
    check.error(t, "client.idp", "give client.token / client.token_file or [client.idp], not both");
  out.idp = std::move(idp);
}

void read_client_autopeer(Checker& check, const toml::table& client, ClientSection& out) {
  const toml::table* t = check.table(client, "autopeer", "client.autopeer", false);
  if (t == nullptr)
    return;
  check.only_keys(*t, "client.autopeer",
                  {"state_file", "backoff_hours", "ixs", "families", "deny_asns", "min_prefixes4",
                   "max_prefixes4", "min_prefixes6", "max_prefixes6", "max_new_networks"});
  ClientAutopeerSection a;
  if (auto v = path_key(check, *t, "state_file", "client.autopeer.state_file"))
    a.state_file = *v;
  else if (t->get("state_file") == nullptr)
    check.error(t, "client.autopeer.state_file",
                "missing required key (where autopeer remembers whom it asked)");
  if (auto v = check.integer(*t, "backoff_hours", "client.autopeer.backoff_hours", 0, 87'600))
    a.backoff_hours = *v;
  if (auto v = check.string_list(*t, "ixs", "client.autopeer.ixs")) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      const std::string path = "client.autopeer.ixs[" + std::to_string(i) + "]";
      auto id = model::LocationId::parse((*v)[i], path);
      if (!id || id->type() != model::LocationType::public_peering) {
        check.error(t->get("ixs"), path,
                    "must be an IX location id \"pdb:ix:<PeeringDB ix id>\" (autopeer asks for "
                    "sessions at IXs only)");
      } else if (std::find(a.ixs.begin(), a.ixs.end(), id->peeringdb_id()) != a.ixs.end()) {
        check.error(t->get("ixs"), path, "the same IX is listed twice");
      } else {
        a.ixs.push_back(id->peeringdb_id());
      }
    }
  }
  if (const toml::node* node = t->get("families")) {
    const toml::array* list = node->as_array();
    if (list == nullptr || list->empty()) {
      check.error(node, "client.autopeer.families", "must be a non-empty list of 4 and/or 6");
    } else {
      a.ipv4 = a.ipv6 = false;
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = "client.autopeer.families[" + std::to_string(i) + "]";
        const toml::node& item = *list->get(i);
        const std::int64_t family = item.is_integer() ? item.as_integer()->get() : 0;
        bool& flag = family == 4 ? a.ipv4 : a.ipv6;
        if (family != 4 && family != 6)
          check.error(&item, path, "must be 4 or 6");
        else if (flag)
          check.error(&item, path, "the same family is listed twice");
        else
          flag = true;
      }
    }
  }
  a.deny_asns = check.asn_list(*t, "deny_asns", "client.autopeer.deny_asns", false);
  auto bound = [&](const char* key) -> std::optional<std::uint32_t> {
    if (auto v = check.integer(*t, key, std::string("client.autopeer.") + key, 0, 4'294'967'295))
      return static_cast<std::uint32_t>(*v);
    return std::nullopt;
  };
  a.min_prefixes4 = bound("min_prefixes4");
  a.max_prefixes4 = bound("max_prefixes4");
  a.min_prefixes6 = bound("min_prefixes6");
  a.max_prefixes6 = bound("max_prefixes6");
  if (a.min_prefixes4 && a.max_prefixes4 && *a.min_prefixes4 > *a.max_prefixes4)
    check.error(t->get("min_prefixes4"), "client.autopeer.min_prefixes4", "is above max_prefixes4");
  if (a.min_prefixes6 && a.max_prefixes6 && *a.min_prefixes6 > *a.max_prefixes6)
    check.error(t->get("min_prefixes6"), "client.autopeer.min_prefixes6", "is above max_prefixes6");
  if (auto v = check.integer(*t, "max_new_networks", "client.autopeer.max_new_networks", 1, 1000))
    a.max_new_networks = static_cast<int>(*v);
  out.autopeer = std::move(a);
}

void read_client(Checker& check, const toml::table& root, ClientSection& out) {
  const toml::table* t = check.table(root, "client", "client", false);
  if (t == nullptr)
    return;
  check.only_keys(
      *t, "client",
      {"asn", "token", "token_file", "dpop_key_file", "sign_requests", "timeout_ms", "max_retries",
       "max_retry_time_ms", "peers", "directory_file", "rpki_discovery_file", "idp", "autopeer"});
  if (const toml::node* node = t->get("asn")) {
    if (!node->is_integer()) {
      check.error(node, "client.asn", "must be an integer ASN");
    } else if (auto asn = model::Asn::from_number(node->as_integer()->get(), "client.asn")) {
      out.asn = *asn;
    } else {
      check.error(node, "client.asn", asn.error().message);
    }
  }
  if (auto v = check.string(*t, "token", "client.token", false)) {
    if (v->empty() || v->find_first_of(" \t\r\n") != std::string::npos)
      check.error(t->get("token"), "client.token", "must be a non-empty token without whitespace");
    out.token = *v;
  }
  if (auto v = check.string(*t, "token_file", "client.token_file", false)) {
    if (v->empty())
      check.error(t->get("token_file"), "client.token_file", "must be a file path");
    else if (t->get("token") != nullptr)
      check.error(t->get("token_file"), "client.token_file", "give token or token_file, not both");
    out.token_file = *v;
  }
  if (auto v = check.string(*t, "dpop_key_file", "client.dpop_key_file", false)) {
    if (v->empty())
      check.error(t->get("dpop_key_file"), "client.dpop_key_file", "must be a file path");
    out.dpop_key_file = *v;
  }
  if (auto v = check.boolean(*t, "sign_requests", "client.sign_requests")) {
    out.sign_requests = *v;
    if (*v && t->get("dpop_key_file") == nullptr)
      check.error(t->get("sign_requests"), "client.sign_requests",
                  "needs dpop_key_file: requests are signed with the DPoP key (RFC 9421)");
  }
  if (auto v = check.integer(*t, "timeout_ms", "client.timeout_ms", 100, 600'000))
    out.timeout_ms = static_cast<int>(*v);
  if (auto v = check.integer(*t, "max_retries", "client.max_retries", 0, 10))
    out.max_retries = static_cast<int>(*v);
  if (auto v = check.integer(*t, "max_retry_time_ms", "client.max_retry_time_ms", 0, 600'000))
    out.max_retry_time_ms = static_cast<int>(*v);
  read_client_peers(check, *t, out);
  if (auto v = check.string(*t, "directory_file", "client.directory_file", false)) {
    if (v->empty())
      check.error(t->get("directory_file"), "client.directory_file", "must be a file path");
    out.directory_file = *v;
  }
  if (auto v = check.string(*t, "rpki_discovery_file", "client.rpki_discovery_file", false)) {
    if (v->empty())
      check.error(t->get("rpki_discovery_file"), "client.rpki_discovery_file",
                  "must be a file path");
    out.rpki_discovery_file = *v;
  }
  read_client_idp(check, *t, out);
  read_client_autopeer(check, *t, out);
}

void read_router(Checker& check, const toml::table& root, RouterSection& out) {
  const toml::table* t = check.table(root, "router", "router", false);
  if (t == nullptr)
    return;
  out.enabled = true;
  check.only_keys(
      *t, "router",
      {"daemon", "version", "config_dir", "control_socket", "control_program", "check_program",
       "base_config", "name", "poll_interval_ms", "command_timeout_ms", "time_window_seconds"});
  if (auto v = check.string(*t, "daemon", "router.daemon", true)) {
    if (auto daemon = render::parse_daemon(*v, "router.daemon"))
      out.daemon = *daemon;
    else
      check.error(t->get("daemon"), "router.daemon", daemon.error().message);
  }
  if (auto v = check.string(*t, "version", "router.version", false)) {
    if (auto version = render::DaemonVersion::parse(*v, "router.version"))
      out.version = *version;
    else
      check.error(t->get("version"), "router.version", version.error().message);
  }
  if (auto v = check.string(*t, "config_dir", "router.config_dir", true)) {
    if (v->empty())
      check.error(t->get("config_dir"), "router.config_dir", "must be a folder path");
    out.config_dir = *v;
  }
  out.control_socket =
      check.string(*t, "control_socket", "router.control_socket", false).value_or("");
  out.control_program =
      check.string(*t, "control_program", "router.control_program", false).value_or("");
  out.check_program = check.string(*t, "check_program", "router.check_program", false).value_or("");
  if (auto v = check.string(*t, "base_config", "router.base_config", false)) {
    if (out.daemon != render::Daemon::frr)
      check.error(t->get("base_config"), "router.base_config",
                  "only for daemon = \"frr\" (BIRD and OpenBGPD include the rendered files "
                  "from the operator's own main file)");
    out.base_config = *v;
  }
  if (auto v = check.string(*t, "name", "router.name", false)) {
    if (v->empty() || v->size() > 64 || v->find_first_of(" \t\r\n") != std::string::npos)
      check.error(t->get("name"), "router.name", "must be 1-64 characters without whitespace");
    out.name = *v;
  }
  if (auto v = check.integer(*t, "poll_interval_ms", "router.poll_interval_ms", 100, 3'600'000))
    out.poll_interval_ms = static_cast<int>(*v);
  if (auto v =
          check.integer(*t, "command_timeout_ms", "router.command_timeout_ms", 1'000, 3'600'000))
    out.command_timeout_ms = static_cast<int>(*v);
  if (auto v =
          check.integer(*t, "time_window_seconds", "router.time_window_seconds", 1, 365LL * 86'400))
    out.time_window_seconds = *v;
}

}  // namespace

std::vector<model::Prefix> default_metrics_senders() {
  std::vector<model::Prefix> out;
  for (const char* text :
       {"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"})
    out.push_back(*model::Prefix::parse(text));
  return out;
}

std::string ListenAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ConfigResult parse_config(std::string_view toml_text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return std::unexpected(
        std::vector<Error>{Error{ErrorCode::config_invalid, "",
                                 std::string(origin) + ":" + std::to_string(e.source().begin.line) +
                                     ": " + std::string(e.description())}});
  }
  Checker check(origin);
  check.only_keys(root, "",
                  {"server", "network", "store", "peeringdb", "approval", "policy", "sources",
                   "render", "auth", "outbound", "log", "client", "router", "limits", "audit"});
  Config config;
  read_server(check, root, config.server);
  read_network(check, root, config.network);
  read_store(check, root, config.store);
  read_peeringdb(check, root, config.peeringdb);
  read_approval(check, root, config.approval);
  read_policy(check, root, config.policy);
  read_sources(check, root, config.sources);
  if (config.policy.needs_irr() && !config.sources.irr.configured()) {
    check.error(root.get("policy"), "policy",
                "the IRR and RPKI rules need IRR data: add [sources.irr] with dumps or irrd");
  }
  if (config.policy.needs_rpki() && !config.sources.rpki.configured()) {
    check.error(root.get("policy"), "policy",
                "the RPKI rules need VRPs: add [sources.rpki] with vrps or rtr");
  }
  read_render(check, root, config.sources, config.render);
  read_auth(check, root, config.auth);
  read_outbound(check, root, config.outbound);
  read_log(check, root, config.log);
  read_client(check, root, config.client);
  read_router(check, root, config.router);
  read_limits(check, root, config.limits);
  read_audit(check, root, config.audit);
  if (!check.ok())
    return std::unexpected(check.take());
  return config;
}

ConfigResult load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return std::unexpected(std::vector<Error>{
        Error{ErrorCode::io_error, "", "cannot read configuration file " + file.string()}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.string());
}

std::string describe(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    // Messages already start with "file:line: "; insert the key after that.
    const auto colon = e.message.find(": ");
    if (!e.field.empty() && colon != std::string::npos) {
      out += e.message.substr(0, colon) + ": " + e.field + ": " + e.message.substr(colon + 2);
    } else {
      out += e.message;
    }
    out += '\n';
  }
  return out;
}

}  // namespace peerapi::config
