// `peerapi rpki validate (--vrps FILE | --rtr HOST:PORT) (PREFIX ASN | -)`: route origin
// validation (RFC 6811 section 2) against a VRP file (rpki-client -j or Routinator JSON) or the
// full data set of an RTR cache (RFC 8210, one Reset Query). Prints "valid", "invalid" or
// "not-found"; with "-", reads "PREFIX ASN" lines from stdin and answers each on its own line
// ("error: <reason>" for a bad line, exit code 2 at the end). Blank lines and lines starting
// with '#' are skipped. Exit codes: 0 ok, 1 runtime failure (file unreadable, cache
// unreachable or failing), 2 bad usage or bad input.
#include "cli/rpki_command.hpp"

#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cli/outbound_options.hpp"
#include "sources/rpki/rtr_client.hpp"
#include "sources/rpki/vrp_json.hpp"
#include "sources/rpki/vrp_table.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kCommand = "rpki validate";

struct ValidateOptions {
  std::string vrps_file;
  std::string rtr;
  std::int64_t timeout_ms = 30'000;
  std::vector<std::string> query;
  OutboundOptions outbound;  // which --rtr caches the outbound guard lets through
};

int report_error(const Error& error, int exit_code) {
  std::cerr << "peerapi " << kCommand << ": " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
  return exit_code;
}

/// "host:port", "[v6]:port" or "v4:port".
Result<std::pair<std::string, std::uint16_t>> parse_endpoint(const std::string& text) {
  const auto bad = [&text] {
    return fail(ErrorCode::invalid_value, "--rtr",
                "expected HOST:PORT such as 127.0.0.1:323 or [2001:db8::1]:323, got \"" +
                    text.substr(0, 80) + "\"");
  };
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad();
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.find(':');
    if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos)
      return bad();
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || port_text.empty() || ec != std::errc{} ||
      ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return bad();
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

/// The table to validate against, or the exit code after an error was printed.
std::variant<std::shared_ptr<const sources::rpki::VrpTable>, int> load_table(
    const ValidateOptions& options) {
  if (!options.vrps_file.empty()) {
    sources::rpki::VrpLoadReport report;
    auto vrps = sources::rpki::load_vrp_file(options.vrps_file, report);
    if (!vrps) {
      Error error = vrps.error();
      if (error.field.empty())
        error.field = "--vrps";
      else
        error.field = "--vrps: " + error.field;
      return report_error(error,
                          vrps.error().code == ErrorCode::io_error ? kExitRuntime : kExitUsage);
    }
    if (report.skipped > 0) {
      const auto& first = report.problems.front().error;
      std::cerr << "peerapi " << kCommand << ": --vrps: skipped " << report.skipped << " bad entr"
                << (report.skipped == 1 ? "y" : "ies") << " (first: " << first.field << ": "
                << first.message << ")\n";
    }
    return sources::rpki::VrpTable::build(std::move(*vrps));
  }
  auto endpoint = parse_endpoint(options.rtr);
  if (!endpoint)
    return report_error(endpoint.error(), kExitUsage);
  auto policy = outbound_policy_of(options.outbound);
  if (!policy)
    return report_error(policy.error(), kExitUsage);
  sources::rpki::RtrClientOptions client_options;
  client_options.host = endpoint->first;
  client_options.port = endpoint->second;
  client_options.outbound = std::move(*policy);
  client_options.field = "--rtr";
  auto table =
      sources::rpki::fetch_once(client_options, std::chrono::milliseconds(options.timeout_ms));
  if (!table) {
    Error error = with_flag_hint(table.error());
    if (error.code != ErrorCode::io_error)  // a refusal names the endpoint already
      error.message = options.rtr + ": " + error.message;
    error.field = "--rtr";
    return report_error(error, kExitRuntime);
  }
  return *table;
}

/// A route and its origin from text: "192.0.2.0/24" and "64501" or "AS64501".
Result<std::pair<model::Prefix, model::Asn>> parse_query(std::string_view prefix_text,
                                                         std::string_view asn_text) {
  auto prefix = model::Prefix::parse(prefix_text, "prefix");
  if (!prefix)
    return std::unexpected(prefix.error());
  auto asn = model::Asn::parse(asn_text, "asn");
  if (!asn)
    return std::unexpected(asn.error());
  return std::pair{*prefix, *asn};
}

int validate_stdin(const sources::rpki::VrpTable& table) {
  bool bad_line = false;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream fields(line);
    std::string prefix;
    std::string asn;
    std::string extra;
    fields >> prefix;
    if (prefix.empty() || prefix.front() == '#')
      continue;
    fields >> asn >> extra;
    if (asn.empty() || !extra.empty()) {
      bad_line = true;
      std::cout << "error: expected \"PREFIX ASN\", got \"" << line.substr(0, 80) << "\"\n";
      continue;
    }
    const auto query = parse_query(prefix, asn);
    if (!query) {
      bad_line = true;
      std::cout << "error: " << query.error().field << ": " << query.error().message << "\n";
      continue;
    }
    std::cout << sources::rpki::to_string(table.validate(query->first, query->second)) << "\n";
  }
  std::cout.flush();
  return bad_line ? kExitUsage : 0;
}

int run_validate(const ValidateOptions& options) {
  if (options.vrps_file.empty() == options.rtr.empty()) {
    return report_error(
        Error{ErrorCode::invalid_value, "", "give exactly one of --vrps FILE and --rtr HOST:PORT"},
        kExitUsage);
  }
  const bool from_stdin = options.query.size() == 1 && options.query[0] == "-";
  if (!from_stdin && options.query.size() != 2) {
    return report_error(
        Error{ErrorCode::invalid_value, "", "expected PREFIX ASN, or - to read lines from stdin"},
        kExitUsage);
  }
  // A bad query is reported before anything is loaded.
  Result<std::pair<model::Prefix, model::Asn>> query = fail(ErrorCode::internal, "", "");
  if (!from_stdin) {
    query = parse_query(options.query[0], options.query[1]);
    if (!query)
      return report_error(query.error(), kExitUsage);
  }
  auto loaded = load_table(options);
  if (const int* code = std::get_if<int>(&loaded))
    return *code;
  const auto table = std::get<0>(std::move(loaded));
  if (from_stdin)
    return validate_stdin(*table);
  std::cout << sources::rpki::to_string(table->validate(query->first, query->second)) << "\n";
  return 0;
}

}  // namespace

std::function<int()> add_rpki_commands(CLI::App& app, CLI::App*& command) {
  command = app.add_subcommand("rpki", "RPKI route origin validation (RFC 6811)");
  command->require_subcommand(1);

  auto options = std::make_shared<ValidateOptions>();
  auto* validate = command->add_subcommand(
      "validate",
      "Print valid, invalid or not-found for PREFIX ASN (or for each \"PREFIX ASN\" line of "
      "stdin with -), from a VRP file or an RTR cache");
  validate->add_option("--vrps", options->vrps_file,
                       "VRP JSON file (rpki-client -j or Routinator format)");
  validate->add_option("--rtr", options->rtr, "RTR cache as HOST:PORT (RFC 8210, plain TCP)");
  validate
      ->add_option("--timeout-ms", options->timeout_ms,
                   "RTR: time allowed for the whole transfer (default 30000)")
      ->check(CLI::Range(std::int64_t{100}, std::int64_t{600'000}));
  validate->add_option("query", options->query, "PREFIX ASN (e.g. 192.0.2.0/24 AS64501), or -")
      ->expected(1, 2);
  add_outbound_options(*validate, options->outbound);

  return [options, validate]() -> int {
    if (*validate)
      return run_validate(*options);
    return kExitUsage;
  };
}

}  // namespace peerapi::cli
