// `peerapi sync iana FILES...` and `peerapi sync peeringdb`: refresh the data sources on disk.
// Exit codes: 0 ok, 1 runtime failure (PeeringDB unreachable or refusing, a file that cannot be
// written), 2 bad usage or bad input (a registry file that does not parse, a bad config).
#include "cli/sync_command.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/http_client.hpp"
#include "server/auth_setup.hpp"
#include "sources/iana/bogons.hpp"
#include "sources/iana/registry.hpp"
#include "sources/iana/update.hpp"
#include "sources/peeringdb/sync.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
/// Problems of the PeeringDB import listed on stderr; the rest are counted.
constexpr std::size_t kProblemsShown = 20;

int report_error(std::string_view command, const Error& error, int exit_code) {
  std::cerr << "peerapi " << command << ": " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
  return exit_code;
}

struct IanaOptions {
  std::string data_dir = "data/iana";
  std::vector<std::string> files;
  bool dry_run = false;
};

int run_sync_iana(const IanaOptions& options) {
  constexpr std::string_view kCommand = "sync iana";
  std::vector<sources::iana::InputFile> inputs;
  for (const std::string& file : options.files) {
    auto content = sources::iana::read_registry_file(file);
    if (!content)
      return report_error(kCommand, content.error(), kExitUsage);
    inputs.push_back({file, std::move(*content)});
  }
  auto changes = sources::iana::update_registry_dir(options.data_dir, inputs, options.dry_run);
  if (!changes) {
    return report_error(kCommand, changes.error(),
                        changes.error().code == ErrorCode::io_error ? kExitRuntime : kExitUsage);
  }
  for (const auto& change : *changes) {
    std::cout << options.data_dir << "/" << sources::iana::file_name(change.kind) << " (from "
              << change.origin << "): ";
    if (change.added.empty() && change.removed.empty() && change.changed.empty()) {
      std::cout << "no block changed";
    } else {
      std::cout << change.added.size() << " added, " << change.removed.size() << " removed, "
                << change.changed.size() << " changed";
    }
    std::cout << (change.written    ? "; written"
                  : options.dry_run ? "; not written (dry run)"
                                    : "; file unchanged")
              << "\n";
    for (const auto& line : change.added)
      std::cout << "  + " << line << "\n";
    for (const auto& line : change.removed)
      std::cout << "  - " << line << "\n";
    for (const auto& line : change.changed)
      std::cout << "  ~ " << line << "\n";
  }
  if (options.dry_run)
    return 0;
  auto registries = sources::iana::load(options.data_dir);
  if (!registries)
    return report_error(kCommand, registries.error(), kExitRuntime);
  const auto bogons = sources::iana::derive_bogons(*registries);
  std::cout << "bogons (RFC 7454 section 6.1): " << bogons.v4.size() << " IPv4 and "
            << bogons.v6.size() << " IPv6 entries, "
            << bogons.v4_permit.size() + bogons.v6_permit.size()
            << " globally reachable exceptions, " << bogons.v6_allocated.size()
            << " IPv6 allocations to RIRs\n";
  return 0;
}

struct PeeringDbOptions {
  std::string config_file;
  std::string url;
  std::string api_key_file;
  std::string dir;
  bool full = false;
  std::size_t page_size = 0;
  std::int64_t timeout_ms = 300'000;
};

/// Redraws one status line on a terminal; prints one line per finished type otherwise.
class ProgressDisplay {
 public:
  ProgressDisplay() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void update(std::string_view type, std::size_t done, std::optional<std::size_t> total) {
    std::size_t index = 0;
    while (index < sources::peeringdb::kObjectTypes.size() &&
           sources::peeringdb::kObjectTypes[index] != type)
      ++index;
    const std::size_t finished = index + (total ? 1 : 0);
    if (tty_) {
      constexpr std::size_t kWidth = 18;
      const std::size_t filled = finished * kWidth / sources::peeringdb::kObjectTypes.size();
      std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(kWidth - filled, '.')
                << "] " << finished << "/" << sources::peeringdb::kObjectTypes.size() << " " << type
                << ": " << done << " rows" << (total ? "" : "...") << std::flush;
      if (total && finished == sources::peeringdb::kObjectTypes.size())
        std::cerr << "\n";
      return;
    }
    if (total)
      std::cerr << "peerapi sync peeringdb: " << type << ": " << done << " rows\n";
  }

  /// Ends a half-drawn status line before an error message.
  void interrupt() const {
    if (tty_)
      std::cerr << "\n";
  }

 private:
  bool tty_;
};

int run_sync_peeringdb(const PeeringDbOptions& options) {
  constexpr std::string_view kCommand = "sync peeringdb";
  net::HttpClientOptions client;
  client.timeout_ms = options.timeout_ms;
  client.max_response_bytes = sources::peeringdb::kMaxDocumentBytes;
  client.user_agent = std::string("peerapi/") + PEERAPI_VERSION + " (sync peeringdb)";
  sources::peeringdb::SyncOptions sync;
  sync.page_size = options.page_size;
  if (!options.config_file.empty()) {
    auto config = config::load_config(options.config_file);
    if (!config) {
      std::cerr << config::describe(config.error());
      return kExitUsage;
    }
    net::HttpClientOptions outbound = server::outbound_client_options(config->outbound);
    outbound.timeout_ms = client.timeout_ms;
    outbound.max_response_bytes = client.max_response_bytes;
    outbound.user_agent = client.user_agent;
    client = std::move(outbound);
    sync.snapshot_dir = config->peeringdb.snapshot_dir;
    if (!config->peeringdb.sync_url.empty())
      sync.base_url = config->peeringdb.sync_url;
    if (options.api_key_file.empty() && !config->peeringdb.api_key_file.empty()) {
      auto key = sources::peeringdb::read_api_key_file(config->peeringdb.api_key_file,
                                                       "peeringdb.api_key_file");
      if (!key)
        return report_error(kCommand, key.error(), kExitUsage);
      sync.api_key = std::move(*key);
    }
  }
  if (!options.dir.empty())
    sync.snapshot_dir = options.dir;
  if (sync.snapshot_dir.empty()) {
    return report_error(kCommand,
                        Error{ErrorCode::missing_field, "--dir",
                              "name the snapshot directory (--dir, or [peeringdb] snapshot_dir "
                              "of --config)"},
                        kExitUsage);
  }
  if (!options.url.empty())
    sync.base_url = options.url;
  if (!options.api_key_file.empty()) {
    auto key = sources::peeringdb::read_api_key_file(options.api_key_file, "--api-key-file");
    if (!key)
      return report_error(kCommand, key.error(), kExitUsage);
    sync.api_key = std::move(*key);
  } else if (const char* env = std::getenv("PEERINGDB_API_KEY"); env != nullptr && *env != '\0') {
    sync.api_key = env;
  }

  net::CurlHttpClient http(std::move(client));
  util::SystemClock clock;
  sources::peeringdb::PeeringDbSync syncer(http, clock, sync);
  ProgressDisplay display;
  syncer.set_progress(
      [&display](std::string_view type, std::size_t done, std::optional<std::size_t> total) {
        display.update(type, done, total);
      });
  auto report = syncer.run(options.full);
  if (!report) {
    display.interrupt();
    const ErrorCode code = report.error().code;
    const bool usage = code == ErrorCode::invalid_url || code == ErrorCode::invalid_value;
    return report_error(kCommand, report.error(), usage ? kExitUsage : kExitRuntime);
  }

  std::cout << "PeeringDB " << sync.base_url << " -> " << sync.snapshot_dir.string() << "\n";
  std::cout << std::left << std::setw(10) << "type" << std::setw(18) << "mode" << std::right
            << std::setw(9) << "fetched" << std::setw(9) << "changed" << std::setw(9) << "deleted"
            << std::setw(6) << "bad"
            << "  file\n";
  for (const auto& type : report->types) {
    const std::string mode = type.full ? "full" : "since " + std::to_string(type.since);
    std::cout << std::left << std::setw(10) << type.type << std::setw(18) << mode << std::right
              << std::setw(9) << type.fetched << std::setw(9) << type.changed << std::setw(9)
              << type.deleted << std::setw(6) << type.bad << "  "
              << (type.written ? "written" : "unchanged") << "\n";
  }
  std::size_t bad = 0;
  for (const auto& [type, counts] : report->import.types)
    bad += counts.skipped_bad;
  std::cout << "snapshot: " << report->import.total_loaded() << " objects load, " << bad
            << " bad row(s) skipped\n";
  for (std::size_t i = 0; i < report->notes.size() && i < kProblemsShown; ++i)
    std::cerr << "peerapi " << kCommand << ": note: " << report->notes[i] << "\n";
  if (const std::size_t more = report->notes.size() + report->notes_not_listed;
      more > kProblemsShown)
    std::cerr << "peerapi " << kCommand << ": ... and " << more - kProblemsShown
              << " more note(s)\n";
  const auto& problems = report->import.problems;
  for (std::size_t i = 0; i < problems.size() && i < kProblemsShown; ++i)
    std::cerr << "peerapi " << kCommand << ": skipped: " << problems[i] << "\n";
  const std::size_t hidden =
      problems.size() > kProblemsShown
          ? problems.size() - kProblemsShown + report->import.problems_not_listed
          : report->import.problems_not_listed;
  if (hidden > 0)
    std::cerr << "peerapi " << kCommand << ": ... and " << hidden << " more skipped row(s)\n";
  return 0;
}

}  // namespace

std::function<int()> add_sync_commands(CLI::App& app, CLI::App*& command) {
  command = app.add_subcommand("sync",
                               "Refresh the data sources on disk (IANA registries, "
                               "PeeringDB snapshot)");
  command->require_subcommand(1);

  auto iana = std::make_shared<IanaOptions>();
  auto* iana_cmd = command->add_subcommand(
      "iana",
      "Replace the IANA registry files (special-purpose IPv4/IPv6, IPv6 unicast assignments) "
      "after validating them completely");
  iana_cmd->add_option("files", iana->files, "IANA CSV files (recognised by content)")->required();
  iana_cmd->add_option("--data-dir", iana->data_dir,
                       "registry directory (default data/iana, relative to the working "
                       "directory)");
  iana_cmd->add_flag("--dry-run", iana->dry_run, "show what would change, write nothing");

  auto pdb = std::make_shared<PeeringDbOptions>();
  auto* pdb_cmd = command->add_subcommand(
      "peeringdb",
      "Download PeeringDB (full, then incremental `since` runs) into a snapshot "
      "directory");
  pdb_cmd->add_option("--config,-c", pdb->config_file,
                      "server configuration: [outbound] (address policy, CA file) and "
                      "[peeringdb] snapshot_dir");
  pdb_cmd->add_option("--url", pdb->url, "API base URL (default https://www.peeringdb.com/api)");
  pdb_cmd->add_option("--api-key-file", pdb->api_key_file,
                      "file whose first line is a PeeringDB API key (else $PEERINGDB_API_KEY)");
  pdb_cmd->add_option("--dir", pdb->dir, "snapshot directory (default: from --config)");
  pdb_cmd->add_flag("--full", pdb->full, "reload every type in full, ignoring the sync state");
  pdb_cmd->add_option("--page-size", pdb->page_size,
                      "rows per request with limit/skip paging (default 0: whole types)");
  pdb_cmd
      ->add_option("--timeout-ms", pdb->timeout_ms,
                   "per-request timeout in milliseconds (default 300000)")
      ->check(CLI::Range(std::int64_t{1'000}, std::int64_t{3'600'000}));

  return [iana, iana_cmd, pdb, pdb_cmd]() -> int {
    if (*iana_cmd)
      return run_sync_iana(*iana);
    if (*pdb_cmd)
      return run_sync_peeringdb(*pdb);
    return kExitUsage;
  };
}

}  // namespace peerapi::cli
