#include "cli/autopeer_command.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/client_commands.hpp"
#include "client/autopeer.hpp"
#include "model/location.hpp"
#include "model/uuid.hpp"

namespace peerapi::cli {

namespace {

namespace json = boost::json;
using namespace client_cli;

constexpr const char* kExitCodes =
    "Exit codes: 0 success (a peer refusing sessions is an outcome, not a failure); 1 runtime "
    "failure (a peer could not be checked or asked, PeeringDB data unreadable, the state file "
    "not written, another run holds the lock); 2 bad usage, configuration or state file.";

struct AutopeerOptions {
  std::string config_file;
  bool dry_run = false;
  bool apply = false;
  bool json = false;
};

/// What happened to one chosen network with --apply.
struct Asked {
  client::AskRecord record;
  std::optional<client::ClientError> error;
};

std::string exchanges_text(const std::vector<std::uint32_t>& exchanges) {
  std::string out;
  for (std::uint32_t ix : exchanges)
    out += (out.empty() ? "" : ", ") + model::LocationId::ix(ix).to_string();
  return out.empty() ? "none" : out;
}

std::string plan_locations(const client::SessionPlan& plan) {
  std::vector<std::string> seen;
  for (const auto& s : plan.sessions) {
    const std::string id = s.location.to_string();
    if (std::find(seen.begin(), seen.end(), id) == seen.end())
      seen.push_back(id);
  }
  std::string out;
  for (const auto& id : seen)
    out += (out.empty() ? "" : " ") + id;
  return out;
}

json::object record_json(const client::AskRecord& r) {
  json::object out{{"outcome", client::to_string(r.outcome)},
                   {"asked_at", util::format_rfc3339(r.last_asked_ms)},
                   {"next_allowed", util::format_rfc3339(r.next_allowed_ms)},
                   {"accepted", r.accepted},
                   {"rejected", r.rejected}};
  if (r.request_id)
    out["request_id"] = r.request_id->to_string();
  if (!r.detail.empty())
    out["detail"] = r.detail;
  return out;
}

std::string label(model::Asn asn, const std::string& name) {
  std::ostringstream out;
  out << std::left << std::setw(9) << asn.to_string() << " " << name;
  return out.str();
}

int run_autopeer(const AutopeerOptions& o) {
  constexpr std::string_view kCmd = "autopeer";
  int exit_code = 0;
  auto context = open_context(kCmd, o.config_file, exit_code, false);
  if (!context)
    return exit_code;
  if (!context->config.client.autopeer) {
    complain(kCmd, Error{ErrorCode::missing_field, "client.autopeer",
                         "autopeer needs a [client.autopeer] table with state_file"});
    return kExitUsage;
  }
  const config::ClientAutopeerSection& section = *context->config.client.autopeer;
  const client::AutopeerPolicy policy = client::autopeer_policy(section);

  std::optional<client::StateLock> lock;
  if (o.apply) {
    auto acquired = client::StateLock::acquire(section.state_file);
    if (!acquired) {
      complain(kCmd, Error{acquired.error().code, "client.autopeer.state_file",
                           acquired.error().message});
      return kExitRuntime;
    }
    lock.emplace(std::move(*acquired));
  }
  auto state = client::load_state(section.state_file);
  if (!state) {
    complain(kCmd, state.error());
    return kExitUsage;
  }
  auto snapshot = load_peeringdb(kCmd, *context);
  if (!snapshot)
    return kExitRuntime;
  auto finder = client::endpoint_finder(context->config.client, context->clock);
  const client::AutopeerInput input{.snapshot = *snapshot,
                                    .local_asn = context->local_asn,
                                    .policy = policy,
                                    .state = *state,
                                    .now_ms = context->clock.now_ms()};
  auto selection = client::select_networks(input, client::lookup_with(finder));
  if (!selection) {
    complain(kCmd, selection.error());
    return selection.error().code == ErrorCode::not_found ? kExitRuntime : kExitUsage;
  }
  if (!selection->candidates.empty()) {
    if (const int code = obtain_token(kCmd, *context); code != 0)
      return code;
  }
  client::confirm_candidates(
      *selection, policy.max_new_networks, [&](const client::AutopeerCandidate& candidate) {
        auto api = make_client(*context, candidate.endpoint);
        return client::count_live_sessions(*api, context->local_asn, candidate.asn);
      });
  for (const auto& skipped : selection->skipped) {
    if (skipped.reason == client::SkipReason::check_failed)
      exit_code = kExitRuntime;
  }

  std::vector<std::optional<Asked>> asked(selection->candidates.size());
  bool state_saved = true;
  if (o.apply) {
    for (std::size_t i = 0; i < selection->candidates.size(); ++i) {
      const auto& candidate = selection->candidates[i];
      auto api = make_client(*context, candidate.endpoint);
      const client::CreateRequest create{
          .request_id = model::Uuid::v4_from_bytes(context->random.bytes16()),
          .return_url = std::nullopt,
          .sessions = candidate.plan.sessions};
      auto answer = api->create_sessions(create);
      Asked entry{.record = client::ask_record(candidate.asn, answer, context->clock.now_ms(),
                                               policy.backoff_ms),
                  .error = std::nullopt};
      if (!answer) {
        entry.error = answer.error();
        exit_code = kExitRuntime;
      }
      state->record(entry.record);
      asked[i] = std::move(entry);
      // Saved after each network: a run cut short still remembers whom it asked.
      if (auto saved = client::save_state(section.state_file, *state); !saved) {
        complain(kCmd, Error{saved.error().code, "client.autopeer.state_file",
                             saved.error().field + ": " + saved.error().message});
        exit_code = kExitRuntime;
        state_saved = false;
        break;  // asking more networks without remembering them would ask them again
      }
    }
    if (selection->candidates.empty()) {
      // Nobody to ask: the file is still written, so a run shows at once that it can be.
      if (auto saved = client::save_state(section.state_file, *state); !saved) {
        complain(kCmd, Error{saved.error().code, "client.autopeer.state_file",
                             saved.error().field + ": " + saved.error().message});
        exit_code = kExitRuntime;
        state_saved = false;
      }
    }
  }

  if (o.json) {
    json::array candidates;
    for (std::size_t i = 0; i < selection->candidates.size(); ++i) {
      const auto& c = selection->candidates[i];
      json::array sessions;
      for (const auto& s : c.plan.sessions)
        sessions.push_back(planned_json(s));
      json::object entry{{"asn", c.asn.value()},
                         {"name", c.name},
                         {"endpoint", endpoint_json(c.asn, c.endpoint)},
                         {"sessions", std::move(sessions)}};
      if (asked[i]) {
        entry["result"] = record_json(asked[i]->record);
        if (asked[i]->error)
          entry["error"] = error_json(*asked[i]->error);
      }
      candidates.push_back(std::move(entry));
    }
    json::array skipped;
    for (const auto& s : selection->skipped)
      skipped.push_back(json::object{{"asn", s.asn.value()},
                                     {"name", s.name},
                                     {"reason", client::to_string(s.reason)},
                                     {"detail", s.detail}});
    json::array exchanges;
    for (std::uint32_t ix : selection->exchanges)
      exchanges.emplace_back(model::LocationId::ix(ix).to_string());
    json::array notes;
    for (const auto& n : selection->notes)
      notes.emplace_back(n);
    print_json(json::object{{"local_asn", context->local_asn.value()},
                            {"dry_run", !o.apply},
                            {"exchanges", std::move(exchanges)},
                            {"considered", selection->considered},
                            {"candidates", std::move(candidates)},
                            {"skipped", std::move(skipped)},
                            {"notes", std::move(notes)},
                            {"state_file", section.state_file.string()},
                            {"state_written", o.apply && state_saved}});
    return exit_code;
  }

  std::cout << "autopeer " << context->local_asn.to_string() << (o.apply ? "" : " (dry run)")
            << ": " << selection->considered << " network(s) at "
            << exchanges_text(selection->exchanges) << "\n";
  for (std::size_t i = 0; i < selection->candidates.size(); ++i) {
    const auto& c = selection->candidates[i];
    const std::string who = label(c.asn, c.name);
    if (!asked[i]) {
      std::cout << "  " << (o.apply ? "not asked " : "ask       ") << who << ": "
                << c.plan.sessions.size() << " session(s) at " << plan_locations(c.plan) << " via "
                << c.endpoint.url << " (" << client::to_string(c.endpoint.origin)
                << " discovery: " << c.endpoint.source << ")\n";
      continue;
    }
    const client::AskRecord& r = asked[i]->record;
    if (asked[i]->error) {
      std::cout << "  failed    " << who << ": " << r.detail << "\n";
      report(kCmd, *asked[i]->error, c.asn.to_string());
    } else {
      std::cout << "  asked     " << who << ": request " << r.request_id->to_string() << ": "
                << r.accepted << " accepted, " << r.rejected << " rejected\n";
    }
  }
  for (const auto& s : selection->skipped)
    std::cout << "  skip      " << label(s.asn, s.name) << ": " << client::to_string(s.reason)
              << ": " << s.detail << "\n";
  for (const auto& n : selection->notes)
    std::cout << "  note: " << n << "\n";
  if (o.apply) {
    std::size_t done = 0;
    for (const auto& a : asked)
      done += a ? 1 : 0;
    std::cout << done << " network(s) asked, " << selection->skipped.size() << " skipped; "
              << (state_saved ? "state written to " : "state NOT written to ")
              << section.state_file.string() << "\n";
  } else {
    std::cout << selection->candidates.size() << " network(s) to ask, " << selection->skipped.size()
              << " skipped; dry run: nothing sent, no state written (--apply asks them)\n";
  }
  return exit_code;
}

}  // namespace

std::pair<CLI::App*, std::function<int()>> add_autopeer_command(CLI::App& app,
                                                                std::function<void()> on_parsed) {
  auto o = std::make_shared<AutopeerOptions>();
  auto* autopeer = app.add_subcommand(
      "autopeer",
      "Ask the networks at our IXs with an Open policy and a known Peering API endpoint for "
      "sessions ([client.autopeer]); a dry run unless --apply");
  autopeer->add_option("--config,-c", o->config_file, "TOML configuration file")->required();
  auto* dry = autopeer->add_flag(
      "--dry-run", o->dry_run,
      "show whom we would ask and why the others are skipped; send nothing (the default)");
  autopeer->add_flag("--apply", o->apply, "send the requests and record them in the state file")
      ->excludes(dry);
  autopeer->add_flag("--json", o->json, "print one JSON document");
  autopeer->footer(kExitCodes);
  autopeer->parse_complete_callback(std::move(on_parsed));
  return {autopeer, [o]() { return run_autopeer(*o); }};
}

}  // namespace peerapi::cli
