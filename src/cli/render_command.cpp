#include "cli/render_command.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_store.hpp"
#include "config/config.hpp"
#include "model/uuid.hpp"
#include "render/renderer.hpp"
#include "server/auth_setup.hpp"
#include "server/render_inputs.hpp"
#include "sources/iana/bogons.hpp"
#include "sources/iana/registry.hpp"
#include "sources/irr/irr_database.hpp"
#include "sources/irr/irrd_client.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "util/atomic_file.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kPageSize = 500;

struct RenderOptions {
  std::string config_file;
  std::string daemon;
  std::string version;
  std::vector<std::string> session_ids;
  bool all = false;
  std::string out;
  std::string side = "receiver";
};

int fail_with(const Error& error, int code) {
  std::cerr << "peerapi render: " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
  return code;
}

/// The sessions to render: the named ones (any status; a notice for those not on the router),
/// or with --all every session that belongs on the router.
Result<std::vector<model::Session>> select_sessions(store::Store& store,
                                                    const RenderOptions& options,
                                                    const std::vector<model::Uuid>& ids,
                                                    std::vector<render::Notice>& notices) {
  std::vector<model::Session> sessions;
  if (options.all) {
    for (const auto status : {model::SessionStatus::approved, model::SessionStatus::configured,
                              model::SessionStatus::established, model::SessionStatus::down}) {
      std::optional<std::int64_t> after;
      do {
        auto page = store.sessions_with_status(status, after, kPageSize);
        if (!page)
          return std::unexpected(page.error());
        sessions.insert(sessions.end(), page->sessions.begin(), page->sessions.end());
        after = page->next_after;
      } while (after);
    }
    return sessions;
  }
  for (const model::Uuid& id : ids) {
    auto session = store.get_session(id);
    if (!session)
      return std::unexpected(session.error());
    if (!*session)
      return fail(ErrorCode::not_found, "--session", "no session " + id.to_string());
    if (!server::belongs_on_router((*session)->status)) {
      notices.push_back(
          render::Notice{id.to_string(), "status",
                         "the session is " + std::string(model::to_string((*session)->status)) +
                             ": rendered on request, but it does not belong on the router"});
    }
    sessions.push_back(**session);
  }
  return sessions;
}

/// The IRR source of [sources.irr], or nullptr when none is configured. `holder` keeps it alive.
/// An IRRd server is reached through the outbound guard of [outbound].
Result<sources::irr::IrrSource*> open_irr(const config::IrrSourceSection& config,
                                          const config::OutboundSection& outbound,
                                          std::shared_ptr<void>& holder) {
  namespace irr = sources::irr;
  if (!config.irrd.empty()) {
    auto endpoint = irr::IrrdEndpoint::parse(config.irrd, "sources.irr.irrd");
    if (!endpoint)
      return std::unexpected(endpoint.error());
    irr::IrrdClientOptions client_options;
    client_options.server = *endpoint;
    client_options.sources = config.sources;
    client_options.outbound = server::outbound_policy(outbound);
    client_options.field = "sources.irr.irrd";
    auto client = std::make_shared<irr::IrrdClient>(client_options);
    holder = client;
    return client.get();
  }
  if (config.dumps.empty())
    return nullptr;
  irr::LoadReport report;
  auto database = irr::IrrDatabase::load(config.dumps, report);
  if (!database)
    return std::unexpected(database.error());
  if (report.skipped() > 0) {
    std::cerr << "peerapi render: warning: sources.irr.dumps: " << report.skipped()
              << " objects skipped\n";
  }
  holder = *database;
  return database->get();
}

/// Writes every file under `dir` (atomically, one by one); with `prune`, removes session files
/// of peerapi/sessions/ that this rendering no longer has. Returns the number removed.
Result<std::size_t> write_out(const std::filesystem::path& dir, const render::Rendering& rendering,
                              bool prune) {
  std::set<std::filesystem::path> written;
  for (const auto& file : rendering.files) {
    const auto path = dir / file.name;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return fail(ErrorCode::io_error, "--out", path.parent_path().string() + ": " + ec.message());
    if (auto ok = util::write_file_atomically(path, file.text); !ok)
      return std::unexpected(ok.error());
    written.insert(path.lexically_normal());
  }
  std::size_t removed = 0;
  const auto sessions_dir = dir / "peerapi" / "sessions";
  if (prune && std::filesystem::is_directory(sessions_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(sessions_dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".conf" &&
          !written.contains(entry.path().lexically_normal())) {
        std::error_code ec;
        std::filesystem::remove(entry.path(), ec);
        if (ec)
          return fail(ErrorCode::io_error, "--out", entry.path().string() + ": " + ec.message());
        ++removed;
      }
    }
  }
  return removed;
}

int run(const RenderOptions& options) {
  auto daemon = render::parse_daemon(options.daemon, "--daemon");
  if (!daemon)
    return fail_with(daemon.error(), kExitUsage);
  render::DaemonVersion version = render::default_version(*daemon);
  if (!options.version.empty()) {
    auto parsed = render::DaemonVersion::parse(options.version, "--daemon-version");
    if (!parsed)
      return fail_with(parsed.error(), kExitUsage);
    version = *parsed;
  }
  if (options.all == !options.session_ids.empty()) {
    return fail_with(
        Error{ErrorCode::missing_field, "--session", "give --session ID (one or more) or --all"},
        kExitUsage);
  }
  std::vector<model::Uuid> ids;
  for (const std::string& text : options.session_ids) {
    auto id = model::Uuid::parse(text, "--session");
    if (!id)
      return fail_with(id.error(), kExitUsage);
    ids.push_back(*id);
  }
  if (options.side != "receiver" && options.side != "initiator") {
    return fail_with(Error{ErrorCode::invalid_value, "--side",
                           "expected receiver (this server's network) or initiator"},
                     kExitUsage);
  }
  auto config = config::load_config(options.config_file);
  if (!config) {
    std::cerr << config::describe(config.error());
    return kExitUsage;
  }
  auto opened = open_store(*config, "render");
  if (!opened)
    return kExitRuntime;

  std::vector<render::Notice> notices;
  auto sessions = select_sessions(*opened->store, options, ids, notices);
  if (!sessions) {
    return fail_with(sessions.error(),
                     sessions.error().code == ErrorCode::not_found ? kExitUsage : kExitRuntime);
  }

  server::RenderSources sources;
  auto snapshot = sources::peeringdb::load_snapshot_dir(config->peeringdb.snapshot_dir);
  if (!snapshot)
    return fail_with(snapshot.error().under("peeringdb.snapshot_dir"), kExitRuntime);
  sources.peeringdb = snapshot->first.get();
  auto registries = sources::iana::load(config->sources.iana.dir);
  if (!registries)
    return fail_with(registries.error().under("sources.iana.dir"), kExitRuntime);
  sources.bogons = sources::iana::derive_bogons(*registries);
  std::shared_ptr<void> irr_holder;
  if (config->render.mode == render::FilterMode::strict) {
    auto irr = open_irr(config->sources.irr, config->outbound, irr_holder);
    if (!irr)
      return fail_with(irr.error(), kExitRuntime);
    sources.irr = *irr;
  }

  const render::Side side =
      options.side == "initiator" ? render::Side::initiator : render::Side::receiver;
  auto input =
      server::build_render_input(*daemon, version, *config, *sessions, side, sources, notices);
  if (!input) {
    return fail_with(input.error(),
                     input.error().field == "render.mode" ? kExitUsage : kExitRuntime);
  }
  const render::Rendering rendering = render::render(*input);
  notices.insert(notices.end(), rendering.notices.begin(), rendering.notices.end());
  for (const auto& notice : notices) {
    std::cerr << "peerapi render: notice: " << (notice.session.empty() ? "" : notice.session + ": ")
              << notice.what << ": " << notice.message << "\n";
  }

  if (options.out.empty()) {
    std::string text;
    for (const auto& file : rendering.files)
      text += "# ==== " + file.name + " ====\n" + file.text;
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      std::cerr << "peerapi render: stdout: write failed\n";
      return kExitRuntime;
    }
    return 0;
  }
  auto removed = write_out(options.out, rendering, options.all);
  if (!removed)
    return fail_with(removed.error(), kExitRuntime);
  std::cerr << "peerapi render: wrote " << rendering.files.size() << " files for "
            << input->sessions.size() << " session(s) to " << options.out;
  if (*removed > 0)
    std::cerr << "; removed " << *removed << " file(s) of sessions no longer on the router";
  std::cerr << "\n";
  return 0;
}

}  // namespace

std::function<int()> add_render_commands(CLI::App& app, CLI::App*& command) {
  auto options = std::make_shared<RenderOptions>();
  command = app.add_subcommand(
      "render", "Router configuration (BIRD 2, FRR, OpenBGPD) with RFC 7454 filters for sessions");
  command->add_option("--config,-c", options->config_file, "The server's TOML configuration")
      ->required();
  command->add_option("--daemon,-d", options->daemon, "bird, frr or openbgpd")->required();
  command->add_option("--version,--daemon-version", options->version,
                      "The daemon's version where syntax differs (default: Debian 12's)");
  command->add_option("--session", options->session_ids, "Session id(s) to render");
  command->add_flag("--all", options->all, "Every session that belongs on the router");
  command->add_option("--out,-o", options->out,
                      "Write the files (and a top-level bird.conf / frr.conf / bgpd.conf) here; "
                      "default: stdout");
  command->add_option("--side", options->side,
                      "receiver (this server's network, default) or initiator");
  return [options]() -> int { return run(*options); };
}

}  // namespace peerapi::cli
