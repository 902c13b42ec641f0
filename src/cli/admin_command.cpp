#include "cli/admin_command.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/audit_command.hpp"
#include "cli/cli_store.hpp"
#include "config/config.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kPageSize = 100;

struct AdminOptions {
  std::string config_file;
  std::vector<std::string> ids;
  std::string note;
  std::string reason;
  std::string by;
};

/// Who is deciding: --by, else $USER, prefixed so the history tells operators from callers.
std::string actor_of(const AdminOptions& options) {
  std::string name = options.by;
  if (name.empty()) {
    const char* user = std::getenv("USER");
    name = user != nullptr && *user != '\0' ? user : "unknown";
  }
  return "operator:" + name;
}

/// The store of the server configured in `config_file`; nullptr after printing why not.
std::unique_ptr<OpenedStore> open_configured_store(const std::string& config_file) {
  auto config = config::load_config(config_file);
  if (!config) {
    std::cerr << config::describe(config.error());
    return nullptr;
  }
  return cli::open_store(*config, "admin");
}

int list_pending(const AdminOptions& options) {
  auto opened = open_configured_store(options.config_file);
  if (!opened)
    return kExitUsage;
  std::optional<std::int64_t> after;
  std::size_t shown = 0;
  do {
    auto page =
        opened->store->sessions_with_status(model::SessionStatus::pending, after, kPageSize);
    if (!page) {
      std::cerr << "peerapi admin pending: " << page.error().message << "\n";
      return kExitRuntime;
    }
    for (const model::Session& session : page->sessions) {
      const model::SessionRequest& f = session.fields;
      std::string why;
      if (auto history = opened->store->history(session.session_id); history && !history->empty())
        why = history->front().note;
      std::cout << session.session_id.to_string() << "  " << f.local_asn.to_string() << " "
                << f.local_ip.to_string() << " -> " << f.peer_asn.to_string() << " "
                << f.peer_ip.to_string() << "  " << f.location.to_string()
                << (why.empty() ? "" : "  " + why) << "\n";
      ++shown;
    }
    after = page->next_after;
  } while (after);
  std::cerr << shown << " session(s) pending review\n";
  return 0;
}

/// Moves every id from pending to `to`. Exit 0 when all moved, 1 when any did not (unknown id,
/// no longer pending, store failure), 2 for a malformed id; each id gets one line either way.
int decide(const AdminOptions& options, model::SessionStatus to, const std::string& note) {
  std::vector<model::Uuid> ids;
  for (const std::string& text : options.ids) {
    auto id = model::Uuid::parse(text, "session_id");
    if (!id) {
      std::cerr << "peerapi admin: " << text << ": not a session id (" << id.error().message
                << ")\n";
      return kExitUsage;
    }
    ids.push_back(*id);
  }
  auto opened = open_configured_store(options.config_file);
  if (!opened)
    return kExitUsage;
  const util::SystemClock clock;
  const std::string actor = actor_of(options);
  const model::SessionStatus from[] = {model::SessionStatus::pending};
  int exit_code = 0;
  const std::string_view action =
      to == model::SessionStatus::approved ? "admin_approve" : "admin_reject";
  for (const model::Uuid& id : ids) {
    // A decision and its audit entry are stored in one transaction.
    const std::int64_t now_ms = clock.now_ms();
    const store::AuditEntry decided =
        admin_audit_entry(action, id.to_string(), model::to_string(to), "", now_ms);
    auto moved = opened->store->transition(id, from, to, actor, note, now_ms, &decided);
    if (!moved) {
      std::cerr << id.to_string() << ": " << moved.error().message << "\n";
      exit_code = kExitRuntime;
      record_admin_audit(*opened->store, action, id.to_string(), "failed",
                         "session_id:" + std::string(to_string(moved.error().code)),
                         clock.now_ms());
    } else if (!*moved) {
      auto current = opened->store->get_session(id);
      const std::string state = current && *current
                                    ? "it is " + std::string(model::to_string((*current)->status))
                                    : "no such session";
      std::cerr << id.to_string() << ": not pending (" << state << "); nothing changed\n";
      exit_code = kExitRuntime;
      record_admin_audit(*opened->store, action, id.to_string(), "refused",
                         current && *current ? "session_id:not_pending" : "session_id:not_found",
                         clock.now_ms());
    } else {
      std::cout << id.to_string() << ": " << model::to_string(to) << "\n";
    }
  }
  return exit_code;
}

}  // namespace

std::function<int()> add_admin_commands(CLI::App& app, CLI::App*& command) {
  auto options = std::make_shared<AdminOptions>();
  command = app.add_subcommand("admin", "Manual review of pending sessions on this server's store");
  command->require_subcommand(1);
  command->add_option("--config,-c", options->config_file, "The server's TOML configuration")
      ->required();

  auto* pending = command->add_subcommand("pending", "List the sessions waiting for review");
  auto* approve = command->add_subcommand("approve", "Approve pending sessions");
  approve->add_option("ids", options->ids, "Session ids")->required();
  approve->add_option("--note", options->note, "Recorded in the session history");
  approve->add_option("--by", options->by, "Who decides (default: $USER)");
  auto* reject = command->add_subcommand("reject", "Reject pending sessions");
  reject->add_option("ids", options->ids, "Session ids")->required();
  reject->add_option("--reason", options->reason, "Why; recorded in the session history")
      ->required();
  reject->add_option("--by", options->by, "Who decides (default: $USER)");

  return [options, pending, approve, reject]() -> int {
    if (*pending)
      return list_pending(*options);
    if (*approve)
      return decide(*options, model::SessionStatus::approved,
                    options->note.empty() ? "approved by an operator" : options->note);
    if (*reject)
      return decide(*options, model::SessionStatus::rejected, options->reason);
    return kExitUsage;
  };
}

}  // namespace peerapi::cli
