#include "cli/audit_command.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_store.hpp"
#include "client/time_text.hpp"
#include "config/config.hpp"
#include "model/asn.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct AuditOptions {
  std::string config_file;
  std::string asn;
  std::string since;
  std::string until;
  std::string limit;
  std::string after_id;
  bool json = false;
};

int usage(const Error& error) {
  std::cerr << "peerapi audit: " << error.field << ": " << error.message << "\n";
  return kExitUsage;
}

/// A positive decimal integer of at most `max`; invalid_value at `option` otherwise.
Result<std::int64_t> integer_option(std::string_view option, std::string_view text,
                                    std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < min ||
      value > max) {
    return fail(ErrorCode::invalid_value, std::string(option),
                "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                    ", got \"" + std::string(text.substr(0, 40)) + "\"");
  }
  return value;
}

/// Control characters as '?', so that no stored text can drive the terminal.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty())
      out += separator;
    out += item;
  }
  return out;
}

std::vector<std::string> text_columns(const store::AuditEntry& entry) {
  std::vector<std::string> asns;
  for (const model::Asn& asn : entry.asns)
    asns.push_back(asn.to_string());
  std::string request = entry.request_id;
  if (!entry.client_request_id.empty())
    request += (request.empty() ? "client:" : " client:") + entry.client_request_id;
  if (request.empty() && entry.session_ids.size() == 1)
    request = "session:" + entry.session_ids.front();
  auto dash = [](std::string text) { return text.empty() ? std::string("-") : printable(text); };
  return {util::format_rfc3339(entry.at_ms),
          dash(entry.source_address),
          dash(entry.subject),
          dash(joined(asns, ",")),
          dash(entry.action),
          dash(request),
          std::to_string(entry.status),
          dash(entry.decision),
          dash(joined(entry.reasons, ","))};
}

std::string json_line(const store::AuditEntry& entry) {
  namespace json = boost::json;
  json::array asns;
  for (const model::Asn& asn : entry.asns)
    asns.push_back(asn.value());
  json::array session_ids;
  for (const std::string& id : entry.session_ids)
    session_ids.push_back(json::string(id));
  json::array reasons;
  for (const std::string& reason : entry.reasons)
    reasons.push_back(json::string(reason));
  const json::object line{{"id", entry.id},
                          {"at", util::format_rfc3339(entry.at_ms)},
                          {"at_ms", entry.at_ms},
                          {"source_address", entry.source_address},
                          {"subject", entry.subject},
                          {"email", entry.email},
                          {"issuer", entry.issuer},
                          {"asns", std::move(asns)},
                          {"action", entry.action},
                          {"request_id", entry.request_id},
                          {"client_request_id", entry.client_request_id},
                          {"session_ids", std::move(session_ids)},
                          {"status", entry.status},
                          {"decision", entry.decision},
                          {"reasons", std::move(reasons)}};
  return json::serialize(line);
}

int run_audit(const AuditOptions& options) {
  const util::SystemClock clock;
  const std::int64_t now = clock.now_ms();
  store::AuditQuery query;
  if (!options.asn.empty()) {
    auto asn = model::Asn::parse(options.asn, "--asn");
    if (!asn)
      return usage(asn.error());
    query.asn = *asn;
  }
  if (!options.since.empty()) {
    auto since = parse_time_option("--since", options.since, now);
    if (!since)
      return usage(since.error());
    query.since_ms = *since;
  }
  if (!options.until.empty()) {
    auto until = parse_time_option("--until", options.until, now);
    if (!until)
      return usage(until.error());
    query.until_ms = *until;
  }
  if (query.since_ms && query.until_ms && *query.until_ms <= *query.since_ms)
    return usage(Error{ErrorCode::invalid_value, "--until", "must be later than --since"});
  if (!options.limit.empty()) {
    auto limit = integer_option("--limit", options.limit, 1, store::kMaxAuditLimit);
    if (!limit)
      return usage(limit.error());
    query.limit = static_cast<int>(*limit);
  }
  if (!options.after_id.empty()) {
    auto after =
        // 0: from the first entry on, oldest first.
        integer_option("--after-id", options.after_id, 0, std::numeric_limits<std::int64_t>::max());
    if (!after)
      return usage(after.error());
    query.after_id = *after;
  }
  // Without --after-id: the newest entries (like tail); with it: the next page in id order.
  query.newest_first = !query.after_id.has_value();

  auto config = config::load_config(options.config_file);
  if (!config) {
    std::cerr << config::describe(config.error());
    return kExitUsage;
  }
  auto opened = open_store(*config, "audit");
  if (!opened)
    return kExitRuntime;
  auto entries = opened->store->list_audit(query);
  if (!entries) {
    std::cerr << "peerapi audit: " << entries.error().message << "\n";
    return kExitRuntime;
  }
  if (options.json) {
    for (const store::AuditEntry& entry : *entries)
      std::cout << json_line(entry) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(entries->size());
  for (const store::AuditEntry& entry : *entries)
    rows.push_back(text_columns(entry));
  std::vector<std::size_t> widths(9, 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
  std::cerr << entries->size() << " entr" << (entries->size() == 1 ? "y" : "ies");
  if (std::ssize(*entries) == query.limit) {
    std::cerr << " (the limit; " << (query.after_id ? "continue with --after-id " : "older ones: ")
              << (query.after_id ? std::to_string(entries->back().id) : "--after-id / --since")
              << ")";
  }
  std::cerr << "\n";
  return 0;
}

}  // namespace

Result<std::int64_t> parse_time_option(std::string_view option, std::string_view text,
                                       std::int64_t now_ms) {
  if (auto absolute = client::parse_rfc3339(text))
    return *absolute;
  auto bad = [&]() -> Result<std::int64_t> {
    return fail(ErrorCode::invalid_value, std::string(option),
                "expected an RFC 3339 time such as 2026-11-24T06:00:00Z or a duration before now "
                "such as 90m, 24h or 7d, got \"" +
                    std::string(text.substr(0, 40)) + "\"");
  };
  if (text.size() < 2)
    return bad();
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60'000;
      break;
    case 'h':
      unit = 3'600'000;
      break;
    case 'd':
      unit = 86'400'000;
      break;
    default:
      return bad();
  }
  const std::string_view number = text.substr(0, text.size() - 1);
  std::int64_t count = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
  constexpr std::int64_t kMaxBack = std::int64_t{100} * 366 * 86'400'000;  // a century
  if (ec != std::errc{} || ptr != number.data() + number.size() || count < 0 ||
      count > kMaxBack / unit) {
    return bad();
  }
  return now_ms - count * unit;
}

std::string admin_subject() {
  std::string name;
  if (const passwd* user = getpwuid(geteuid()); user != nullptr && user->pw_name != nullptr)
    name = user->pw_name;
  if (name.empty()) {
    const char* env = std::getenv("USER");
    name = env != nullptr && *env != '\0' ? env : "unknown";
  }
  return "admin:" + name;
}

store::AuditEntry admin_audit_entry(std::string_view action, const std::string& session_id,
                                    std::string_view decision, std::string reason,
                                    std::int64_t now_ms) {
  store::AuditEntry entry;
  entry.at_ms = now_ms;
  entry.source_address = "cli";
  entry.subject = admin_subject();
  entry.action = std::string(action);
  entry.session_ids.push_back(session_id);
  entry.decision = std::string(decision);
  if (!reason.empty())
    entry.reasons.push_back(std::move(reason));
  return entry;
}

void record_admin_audit(store::Store& store, std::string_view action, const std::string& session_id,
                        std::string_view decision, std::string reason, std::int64_t now_ms) {
  const store::AuditEntry entry =
      admin_audit_entry(action, session_id, decision, std::move(reason), now_ms);
  if (auto appended = store.append_audit(entry); !appended) {
    std::cerr << "peerapi: audit log: cannot record " << action << " of " << session_id << ": "
              << appended.error().message << "\n";
  }
}

std::function<int()> add_audit_commands(CLI::App& app, CLI::App*& command) {
  auto options = std::make_shared<AuditOptions>();
  command = app.add_subcommand(
      "audit", "Show the audit log: every state-changing API call and operator decision");
  command->add_option("--config,-c", options->config_file, "The server's TOML configuration")
      ->required();
  command->add_option("--asn", options->asn, "Only entries of callers acting for this ASN");
  command->add_option("--since", options->since,
                      "From this time: RFC 3339 (2026-11-24T06:00:00Z) or ago (90m, 24h, 7d)");
  command->add_option("--until", options->until, "Before this time (same forms as --since)");
  command->add_option("--limit", options->limit,
                      "At most this many entries, 1-10000 (default 100; the newest unless "
                      "--after-id)");
  command->add_option("--after-id", options->after_id,
                      "Entries after this id, oldest first (paging through the log)");
  command->add_flag("--json", options->json, "One JSON object per line instead of a table");
  return [options]() -> int { return run_audit(*options); };
}

}  // namespace peerapi::cli
