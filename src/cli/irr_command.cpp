// `peerapi irr expand AS-SET|ASN`: the prefix list of an AS-SET (or of one ASN), from RPSL
// dumps or from an IRRd server, one prefix per line, optionally aggregated like `bgpq4 -A`
// (src/sources/irr/README-expand.md).
#include "cli/irr_command.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/outbound_options.hpp"
#include "sources/irr/aggregate.hpp"
#include "sources/irr/expand.hpp"
#include "sources/irr/irr_database.hpp"
#include "sources/irr/irrd_client.hpp"

namespace peerapi::cli {

namespace {

namespace irr = sources::irr;

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

struct ExpandCommandOptions {
  std::string target;
  int family = 4;
  bool aggregate = false;
  std::vector<std::string> dumps;
  std::string irrd;
  std::string sources;
  std::size_t max_depth = 0;  // 0: not given
  OutboundOptions outbound;   // which --irrd servers the outbound guard lets through
};

/// Bad input is a usage error (2); a source that cannot answer or lacks the set is a runtime
/// failure (1).
int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_value:
    case ErrorCode::wrong_type:
    case ErrorCode::missing_field:
    case ErrorCode::data_invalid:
      return kExitUsage;
    default:
      return kExitRuntime;
  }
}

int report(const Error& raw) {
  const Error error = with_flag_hint(raw);
  std::cerr << "peerapi irr expand: " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
  return exit_code(error.code);
}

void warn(const std::string& field, const std::string& message) {
  std::cerr << "peerapi irr expand: warning: " << field << ": " << message << "\n";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

void warn_about(const irr::AsSetExpansion& expansion, std::size_t max_depth) {
  if (!expansion.missing_sets.empty())
    warn("as_set", "member sets not found, left out: " + joined(expansion.missing_sets));
  if (!expansion.loops.empty())
    warn("as_set", "membership loops cut at: " + joined(expansion.loops));
  if (!expansion.skipped.empty())
    warn("as_set", "members that name no ASNs, left out: " + joined(expansion.skipped));
  if (expansion.depth_capped) {
    warn("as_set", "sets nested deeper than " + std::to_string(max_depth) +
                       " levels were not expanded (--max-depth)");
  }
}

/// The ASNs of the target from `source`, expanded here.
Result<std::vector<model::Asn>> expand_here(irr::IrrSource& source, const std::string& target,
                                            std::size_t max_depth) {
  irr::ExpandOptions options;
  options.max_depth = max_depth;
  auto expansion = irr::expand_as_set(source, target, options);
  if (!expansion)
    return std::unexpected(expansion.error());
  warn_about(*expansion, max_depth);
  return std::move(expansion->asns);
}

int print(const std::vector<model::Prefix>& prefixes, bool aggregate) {
  std::string out;
  if (aggregate) {
    for (const auto& range : irr::aggregate(prefixes))
      out += irr::to_string(range) + "\n";
  } else {
    for (const auto& prefix : prefixes)
      out += prefix.to_string() + "\n";
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    std::cerr << "peerapi irr expand: stdout: write failed\n";
    return kExitRuntime;
  }
  return 0;
}

int run_expand(const ExpandCommandOptions& options) {
  const model::IpFamily family = options.family == 6 ? model::IpFamily::v6 : model::IpFamily::v4;
  auto root = irr::parse_expansion_root(options.target);
  if (!root)
    return report(root.error());
  const std::size_t max_depth =
      options.max_depth == 0 ? irr::ExpandOptions{}.max_depth : options.max_depth;
  if (options.dumps.empty() == options.irrd.empty()) {
    return report(Error{ErrorCode::missing_field, "source",
                        "give either --dump FILE... (RPSL dumps) or --irrd HOST:PORT"});
  }

  std::vector<model::Asn> asns;
  std::vector<model::Prefix> prefixes;
  if (!options.irrd.empty()) {
    auto endpoint = irr::IrrdEndpoint::parse(options.irrd, "irrd");
    if (!endpoint)
      return report(endpoint.error());
    auto policy = outbound_policy_of(options.outbound);
    if (!policy)
      return report(policy.error());
    irr::IrrdClientOptions client_options;
    client_options.server = *endpoint;
    client_options.outbound = std::move(*policy);
    client_options.field = "--irrd";
    if (!options.sources.empty()) {
      auto sources = irr::parse_irr_sources(options.sources, "sources");
      if (!sources)
        return report(sources.error());
      client_options.sources = std::move(*sources);
    }
    irr::IrrdClient client(client_options);
    if (root->asn) {
      asns.push_back(*root->asn);
    } else if (options.max_depth == 0) {
      // One !i<set>,1 query: the server expands, as bgpq4 has it do.
      auto expanded = client.expand_on_server(root->as_set);
      if (!expanded)
        return report(expanded.error());
      asns = std::move(*expanded);
    } else {
      auto expanded = expand_here(client, root->as_set, max_depth);
      if (!expanded)
        return report(expanded.error());
      asns = std::move(*expanded);
    }
    auto found = client.prefixes_for(asns, family);
    if (!found)
      return report(found.error());
    prefixes = std::move(*found);
    if (client.skipped_tokens() > 0) {
      warn("irrd", std::to_string(client.skipped_tokens()) +
                       " words of the server's replies were neither ASNs nor prefixes");
    }
  } else {
    if (!options.sources.empty()) {
      return report(Error{ErrorCode::invalid_value, "sources",
                          "--sources selects sources on an IRRd server (--irrd); with --dump, "
                          "pass only the dumps of the sources you trust"});
    }
    std::vector<std::filesystem::path> paths(options.dumps.begin(), options.dumps.end());
    irr::LoadReport load_report;
    auto database = irr::IrrDatabase::load(paths, load_report);
    if (!database)
      return report(database.error());
    if (load_report.skipped() > 0) {
      warn("dumps", std::to_string(load_report.skipped()) + " objects skipped" +
                        (load_report.problems.empty()
                             ? std::string()
                             : " (first: " + load_report.problems.front().to_string() + ")"));
    }
    irr::IrrDatabase& source = **database;
    if (root->asn) {
      asns.push_back(*root->asn);
    } else {
      auto expanded = expand_here(source, root->as_set, max_depth);
      if (!expanded)
        return report(expanded.error());
      asns = std::move(*expanded);
    }
    auto found = irr::prefixes_for(source, asns, family);
    if (!found)
      return report(found.error());
    prefixes = std::move(*found);
  }
  return print(prefixes, options.aggregate);
}

}  // namespace

std::function<int()> add_irr_commands(CLI::App& app, CLI::App*& command) {
  auto options = std::make_shared<ExpandCommandOptions>();
  command = app.add_subcommand("irr", "IRR data: AS-SET expansion and prefix lists, bgpq4-like");
  command->require_subcommand(1);

  auto* expand = command->add_subcommand(
      "expand",
      "Print the prefixes registered for an AS-SET or ASN, one per line (exit 1: unknown set "
      "or unreachable server; 2: bad input)");
  expand
      ->add_option("target", options->target,
                   "AS-SET name (AS-FOO, RIPE::AS-FOO, AS64500:AS-FOO) or ASN (AS64500)")
      ->required();
  expand->add_option("--family", options->family, "4 (route objects, default) or 6 (route6)")
      ->check(CLI::IsMember({4, 6}));
  expand->add_flag("--aggregate,-A", options->aggregate,
                   "merge into PREFIX{MIN,MAX} ranges matching exactly the same routes");
  auto* dump = expand->add_option("--dump", options->dumps,
                                  "RPSL dump file(s), plain or gzip (e.g. ripe.db.route.gz)");
  auto* irrd = expand->add_option("--irrd", options->irrd, "IRRd server HOST:PORT");
  dump->excludes(irrd);
  expand->add_option("--sources", options->sources,
                     "with --irrd: comma-separated IRR sources, e.g. RIPE,RADB");
  expand
      ->add_option("--max-depth", options->max_depth,
                   "expand level by level here, at most this many nesting levels (with "
                   "--irrd the server expands in one query unless this is given)")
      ->check(CLI::Range(1, 1000));
  add_outbound_options(*expand, options->outbound);

  return [options, expand]() -> int {
    if (*expand)
      return run_expand(*options);
    return kExitUsage;
  };
}

}  // namespace peerapi::cli
