#include "client/autopeer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "api/codec.hpp"
#include "client/time_text.hpp"
#include "model/session.hpp"
#include "util/atomic_file.hpp"
#include "util/clock.hpp"

namespace peerapi::client {

namespace json = boost::json;
namespace pdb = sources::peeringdb;

namespace {

constexpr int kMaxStateDepth = 6;
constexpr std::uintmax_t kMaxStateBytes = 64u << 20;
/// Net ids probed at most when listing a snapshot's networks (see networks_at).
constexpr std::uint32_t kMaxProbedNetId = 1u << 24;
/// Sessions in one POST /sessions (docs/wire.md; the server's default cap).
constexpr std::size_t kMaxSessionsPerRequest = 100;

std::unexpected<Error> bad(std::string field, std::string message) {
  return fail(ErrorCode::data_invalid, std::move(field), std::move(message));
}

std::string ix_name(std::uint32_t ix) {
  return model::LocationId::ix(ix).to_string();
}

/// Every network of the snapshot with a port at one of `exchanges`, other than `local`, by ASN.
/// The snapshot has no query for "the networks at an IX", so this walks the networks by PeeringDB
/// id, 1 upwards, until network_count() are found (PeeringDB ids are dense: about 1.2 ids per
/// live network). Ids above kMaxProbedNetId are not reached; how many networks that left out
/// is put in `notes`.
std::vector<const pdb::Network*> networks_at(const pdb::Snapshot& snapshot,
                                             const std::vector<std::uint32_t>& exchanges,
                                             model::Asn local, std::vector<std::string>& notes) {
  std::vector<const pdb::Network*> out;
  const std::size_t total = snapshot.network_count();
  std::size_t found = 0;
  for (std::uint32_t id = 1; found < total && id <= kMaxProbedNetId; ++id) {
    const pdb::Network* network = snapshot.network(id);
    if (network == nullptr)
      continue;
    ++found;
    if (network->asn == local)
      continue;
    const auto theirs = snapshot.exchanges_of(network->asn);
    const bool shared = std::any_of(theirs.begin(), theirs.end(), [&](std::uint32_t ix) {
      return std::binary_search(exchanges.begin(), exchanges.end(), ix);
    });
    if (shared)
      out.push_back(network);
  }
  if (found < total)
    notes.push_back(std::to_string(total - found) + " PeeringDB network(s) with ids above " +
                    std::to_string(kMaxProbedNetId) + " were not considered");
  std::sort(out.begin(), out.end(),
            [](const pdb::Network* a, const pdb::Network* b) { return a->asn < b->asn; });
  return out;
}

/// Why the network's prefix counts fail our bounds; nullopt when they pass.
std::optional<std::string> prefix_problem(const AutopeerPolicy& policy,
                                          const pdb::Network& network) {
  struct Bound {
    std::optional<std::uint32_t> count, min, max;
    const char* family;
    const char* key;
  };
  for (const Bound& b :
       {Bound{network.info_prefixes4, policy.min_prefixes4, policy.max_prefixes4, "IPv4", "4"},
        Bound{network.info_prefixes6, policy.min_prefixes6, policy.max_prefixes6, "IPv6", "6"}}) {
    if (!b.min && !b.max)
      continue;
    if (!b.count)
      return std::string("PeeringDB does not say how many ") + b.family +
             " prefixes it announces (client.autopeer bounds info_prefixes" + b.key + ")";
    if (b.min && *b.count < *b.min)
      return std::string("it announces ") + std::to_string(*b.count) + " " + b.family +
             " prefixes, fewer than min_prefixes" + b.key + " = " + std::to_string(*b.min);
    if (b.max && *b.count > *b.max)
      return std::string("it announces ") + std::to_string(*b.count) + " " + b.family +
             " prefixes, more than max_prefixes" + b.key + " = " + std::to_string(*b.max);
  }
  return std::nullopt;
}

std::optional<AskOutcome> outcome_named(std::string_view name) {
  for (auto o :
       {AskOutcome::accepted, AskOutcome::partial, AskOutcome::rejected, AskOutcome::failed}) {
    if (to_string(o) == name)
      return o;
  }
  return std::nullopt;
}

Result<AskRecord> record_at(const json::value& value, const std::string& path) {
  if (!value.is_object())
    return bad(path, "each entry must be an object");
  const json::object& o = value.get_object();
  static const std::set<std::string, std::less<>> kMembers{"asn",          "last_asked", "outcome",
                                                           "next_allowed", "request_id", "accepted",
                                                           "rejected",     "detail"};
  for (const auto& [key, member] : o) {
    if (!kMembers.contains(key))
      return bad(join_path(path, key), "unknown member \"" + std::string(key.substr(0, 64)) + "\"");
  }
  const json::value* asn_value = o.if_contains("asn");
  if (asn_value == nullptr || !asn_value->is_int64())
    return bad(join_path(path, "asn"), "must be an integer ASN");
  auto asn = model::Asn::from_number(asn_value->get_int64(), join_path(path, "asn"));
  if (!asn)
    return bad(asn.error().field, asn.error().message);
  AskRecord out{.asn = *asn};
  for (const auto& [name, target] :
       {std::pair<std::string_view, std::int64_t*>{"last_asked", &out.last_asked_ms},
        {"next_allowed", &out.next_allowed_ms}}) {
    const json::value* v = o.if_contains(name);
    std::optional<std::int64_t> ms;
    if (v != nullptr && v->is_string())
      ms = parse_rfc3339(v->get_string());
    if (!ms)
      return bad(join_path(path, name), "must be an RFC 3339 time");
    *target = *ms;
  }
  const json::value* outcome = o.if_contains("outcome");
  std::optional<AskOutcome> parsed_outcome;
  if (outcome != nullptr && outcome->is_string())
    parsed_outcome = outcome_named(outcome->get_string());
  if (!parsed_outcome)
    return bad(join_path(path, "outcome"),
               "must be \"accepted\", \"partial\", \"rejected\" or \"failed\"");
  out.outcome = *parsed_outcome;
  if (const json::value* id = o.if_contains("request_id")) {
    std::optional<model::Uuid> uuid;
    if (id->is_string()) {
      if (auto parsed = model::Uuid::parse(id->get_string(), "request_id"))
        uuid = *parsed;
    }
    if (!uuid)
      return bad(join_path(path, "request_id"), "must be a UUID");
    out.request_id = *uuid;
  }
  for (const auto& [name, target] :
       {std::pair<std::string_view, std::size_t*>{"accepted", &out.accepted},
        {"rejected", &out.rejected}}) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr)
      continue;
    if (!v->is_int64() || v->get_int64() < 0)
      return bad(join_path(path, name), "must be a count (an integer from 0)");
    *target = static_cast<std::size_t>(v->get_int64());
  }
  if (const json::value* detail = o.if_contains("detail")) {
    if (!detail->is_string())
      return bad(join_path(path, "detail"), "must be a string");
    out.detail = std::string(detail->get_string());
  }
  return out;
}

}  // namespace

AutopeerPolicy autopeer_policy(const config::ClientAutopeerSection& section) {
  AutopeerPolicy out;
  out.ixs = section.ixs;
  std::sort(out.ixs.begin(), out.ixs.end());
  if (section.ipv4 != section.ipv6)
    out.family = section.ipv4 ? model::IpFamily::v4 : model::IpFamily::v6;
  out.deny_asns = section.deny_asns;
  out.min_prefixes4 = section.min_prefixes4;
  out.max_prefixes4 = section.max_prefixes4;
  out.min_prefixes6 = section.min_prefixes6;
  out.max_prefixes6 = section.max_prefixes6;
  out.max_new_networks = static_cast<std::size_t>(section.max_new_networks);
  out.backoff_ms = section.backoff_hours * 3'600'000;
  return out;
}

std::string_view to_string(AskOutcome outcome) noexcept {
  switch (outcome) {
    case AskOutcome::accepted:
      return "accepted";
    case AskOutcome::partial:
      return "partial";
    case AskOutcome::rejected:
      return "rejected";
    case AskOutcome::failed:
      return "failed";
  }
  return "failed";
}

std::string_view to_string(SkipReason reason) noexcept {
  switch (reason) {
    case SkipReason::not_open:
      return "not_open";
    case SkipReason::no_endpoint:
      return "no_endpoint";
    case SkipReason::already_peering:
      return "already_peering";
    case SkipReason::backed_off:
      return "backed_off";
    case SkipReason::policy:
      return "policy";
    case SkipReason::limit:
      return "limit";
    case SkipReason::check_failed:
      return "check_failed";
  }
  return "policy";
}

const AskRecord* AutopeerState::find(model::Asn asn) const {
  const auto it = std::lower_bound(records_.begin(), records_.end(), asn,
                                   [](const AskRecord& r, model::Asn key) { return r.asn < key; });
  return it != records_.end() && it->asn == asn ? &*it : nullptr;
}

void AutopeerState::record(AskRecord record) {
  const auto it = std::lower_bound(records_.begin(), records_.end(), record.asn,
                                   [](const AskRecord& r, model::Asn key) { return r.asn < key; });
  if (it != records_.end() && it->asn == record.asn)
    *it = std::move(record);
  else
    records_.insert(it, std::move(record));
}

Result<AutopeerState> parse_state(std::string_view json_text) {
  auto parsed = api::parse_json(json_text, kMaxStateDepth);
  if (!parsed)
    return bad(parsed.error().field, parsed.error().message);
  if (!parsed->is_object())
    return bad("", "must be a JSON object {\"version\": 1, \"networks\": [...]}");
  const json::object& root = parsed->get_object();
  for (const auto& [key, member] : root) {
    if (key != "version" && key != "networks")
      return bad(std::string(key.substr(0, 64)), "unknown member (known: version, networks)");
  }
  const json::value* version = root.if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1)
    return bad("version", "must be 1 (a state file of another peerapi version?)");
  const json::value* networks = root.if_contains("networks");
  if (networks == nullptr || !networks->is_array())
    return bad("networks", "must be an array");
  AutopeerState state;
  const json::array& list = networks->get_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "networks[" + std::to_string(i) + "]";
    auto record = record_at(list[i], path);
    if (!record)
      return std::unexpected(record.error());
    if (state.find(record->asn) != nullptr)
      return bad(join_path(path, "asn"), record->asn.to_string() + " is listed twice");
    state.record(std::move(*record));
  }
  return state;
}

std::string encode_state(const AutopeerState& state) {
  std::string out = "{\"version\": 1, \"networks\": [";
  bool first = true;
  for (const AskRecord& r : state.records()) {
    json::object o{{"asn", r.asn.value()},
                   {"last_asked", util::format_rfc3339(r.last_asked_ms)},
                   {"outcome", to_string(r.outcome)},
                   {"next_allowed", util::format_rfc3339(r.next_allowed_ms)},
                   {"accepted", r.accepted},
                   {"rejected", r.rejected}};
    if (r.request_id)
      o["request_id"] = r.request_id->to_string();
    if (!r.detail.empty())
      o["detail"] = r.detail;
    out += (first ? "\n  " : ",\n  ") + json::serialize(o);
    first = false;
  }
  out += first ? "]}\n" : "\n]}\n";
  return out;
}

Result<AutopeerState> load_state(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec)
    return AutopeerState();
  const auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return fail(ErrorCode::io_error, "client.autopeer.state_file",
                file.string() + ": cannot be read: " + ec.message());
  if (size > kMaxStateBytes)
    return fail(ErrorCode::data_invalid, "client.autopeer.state_file",
                file.string() + ": larger than " + std::to_string(kMaxStateBytes) + " bytes");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, "client.autopeer.state_file",
                file.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  auto state = parse_state(text.str());
  if (!state)
    return fail(state.error().code, state.error().field,
                file.string() + ": " +
                    (state.error().field.empty() ? "" : state.error().field + ": ") +
                    state.error().message);
  return state;
}

Result<void> save_state(const std::filesystem::path& file, const AutopeerState& state) {
  return util::write_file_atomically(file, encode_state(state));
}

Result<StateLock> StateLock::acquire(const std::filesystem::path& state_file) {
  const std::string lock_file = state_file.string() + ".lock";
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(ErrorCode::io_error, state_file.string(),
                lock_file + ": cannot be opened: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK)
      return fail(ErrorCode::unavailable, state_file.string(),
                  lock_file + ": another autopeer run holds the lock");
    return fail(ErrorCode::io_error, state_file.string(),
                lock_file + ": cannot be locked: " + std::strerror(error));
  }
  return StateLock(fd);
}

StateLock::StateLock(StateLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

StateLock::~StateLock() {
  if (fd_ >= 0)
    ::close(fd_);  // releases the flock
}

EndpointLookup lookup_with(EndpointFinder& finder) {
  return [&finder](model::Asn asn) -> Result<std::optional<Endpoint>> {
    auto found = finder.find_endpoint(asn);
    if (found)
      return std::optional<Endpoint>(std::move(*found));
    if (found.error().code == ErrorCode::not_found)
      return std::optional<Endpoint>();
    return std::unexpected(std::move(found.error()));
  };
}

Result<AutopeerSelection> select_networks(const AutopeerInput& input,
                                          const EndpointLookup& endpoints) {
  const pdb::Snapshot& snapshot = input.snapshot;
  const AutopeerPolicy& policy = input.policy;
  if (snapshot.network_by_asn(input.local_asn) == nullptr)
    return fail(ErrorCode::not_found, "local_asn",
                input.local_asn.to_string() + " has no network record in local PeeringDB data");
  AutopeerSelection out;
  const auto ours = snapshot.exchanges_of(input.local_asn);
  if (policy.ixs.empty()) {
    out.exchanges = ours;
  } else {
    for (std::uint32_t ix : policy.ixs) {
      if (std::binary_search(ours.begin(), ours.end(), ix))
        out.exchanges.push_back(ix);
      else
        out.notes.push_back(ix_name(ix) + " (client.autopeer.ixs): " + input.local_asn.to_string() +
                            " has no port there in PeeringDB");
    }
    std::sort(out.exchanges.begin(), out.exchanges.end());
  }
  if (out.exchanges.empty())
    out.notes.push_back("no IX to look at: " + input.local_asn.to_string() +
                        " has no port at any IX autopeer may use");

  for (const pdb::Network* network :
       networks_at(snapshot, out.exchanges, input.local_asn, out.notes)) {
    ++out.considered;
    const model::Asn asn = network->asn;
    auto skip = [&](SkipReason reason, std::string detail) {
      out.skipped.push_back(SkippedNetwork{
          .asn = asn, .name = network->name, .reason = reason, .detail = std::move(detail)});
    };
    if (std::find(policy.deny_asns.begin(), policy.deny_asns.end(), asn) !=
        policy.deny_asns.end()) {
      skip(SkipReason::policy, "listed in client.autopeer.deny_asns");
      continue;
    }
    if (network->policy_general != "Open") {
      skip(SkipReason::not_open,
           network->policy_general.empty()
               ? "its PeeringDB record gives no general peering policy"
               : "its PeeringDB general peering policy is " + network->policy_general);
      continue;
    }
    if (auto problem = prefix_problem(policy, *network)) {
      skip(SkipReason::policy, *problem);
      continue;
    }
    if (const AskRecord* asked = input.state.find(asn);
        asked != nullptr && input.now_ms < asked->next_allowed_ms) {
      skip(SkipReason::backed_off, "asked " + util::format_rfc3339(asked->last_asked_ms) + " (" +
                                       std::string(to_string(asked->outcome)) +
                                       "); not asked again before " +
                                       util::format_rfc3339(asked->next_allowed_ms));
      continue;
    }
    PlanRequest request{.local_asn = input.local_asn, .peer_asn = asn, .family = policy.family};
    const auto theirs = snapshot.exchanges_of(asn);
    for (std::uint32_t ix : out.exchanges) {
      if (std::binary_search(theirs.begin(), theirs.end(), ix))
        request.locations.push_back(model::LocationId::ix(ix));
    }
    auto plan = plan_sessions(snapshot, request);
    if (!plan || plan->sessions.empty()) {
      std::string why = plan ? std::string() : plan.error().message;
      if (plan) {
        for (const std::string& note : plan->notes)
          why += (why.empty() ? "" : "; ") + note;
      }
      skip(SkipReason::policy, "no session possible at the IXs and families allowed" +
                                   (why.empty() ? std::string() : ": " + why));
      continue;
    }
    if (plan->sessions.size() > kMaxSessionsPerRequest) {
      skip(SkipReason::policy, std::to_string(plan->sessions.size()) +
                                   " sessions planned; one request carries at most " +
                                   std::to_string(kMaxSessionsPerRequest) +
                                   " (narrow client.autopeer.ixs or families)");
      continue;
    }
    auto endpoint = endpoints(asn);
    if (!endpoint)
      return std::unexpected(std::move(endpoint.error()));
    if (!*endpoint) {
      skip(SkipReason::no_endpoint, "no Peering API endpoint known for it");
      continue;
    }
    out.candidates.push_back(AutopeerCandidate{.asn = asn,
                                               .name = network->name,
                                               .endpoint = std::move(**endpoint),
                                               .plan = std::move(*plan)});
  }
  return out;
}

void confirm_candidates(AutopeerSelection& selection, std::size_t max_new_networks,
                        const PeeringCheck& check) {
  std::vector<AutopeerCandidate> kept;
  for (AutopeerCandidate& candidate : selection.candidates) {
    auto skip = [&](SkipReason reason, std::string detail) {
      selection.skipped.push_back(SkippedNetwork{.asn = candidate.asn,
                                                 .name = candidate.name,
                                                 .reason = reason,
                                                 .detail = std::move(detail)});
    };
    if (kept.size() >= max_new_networks) {
      skip(SkipReason::limit, "client.autopeer.max_new_networks = " +
                                  std::to_string(max_new_networks) + " reached in this run");
      continue;
    }
    auto live = check(candidate);
    if (!live) {
      skip(SkipReason::check_failed,
           "its API could not tell whether we already peer: " + live.error().describe());
      continue;
    }
    if (*live > 0) {
      skip(SkipReason::already_peering,
           std::to_string(*live) + " live session(s) of ours at its API");
      continue;
    }
    kept.push_back(std::move(candidate));
  }
  selection.candidates = std::move(kept);
  std::stable_sort(selection.skipped.begin(), selection.skipped.end(),
                   [](const SkippedNetwork& a, const SkippedNetwork& b) { return a.asn < b.asn; });
}

ClientResult<std::size_t> count_live_sessions(PeerApiClient& api, model::Asn local,
                                              model::Asn peer) {
  auto pager = api.sessions(SessionQuery{.asn = local});
  std::size_t live = 0;
  for (;;) {
    auto page = pager.next_page();
    if (!page)
      return std::unexpected(std::move(page.error()));
    if (!*page)
      return live;
    for (const model::Session& session : **page) {
      if (session.fields.peer_asn == peer && model::is_live(session.status))
        ++live;
    }
  }
}

AskRecord ask_record(model::Asn asn, const ClientResult<CreateAnswer>& answer, std::int64_t now_ms,
                     std::int64_t backoff_ms) {
  AskRecord out{.asn = asn, .last_asked_ms = now_ms, .next_allowed_ms = now_ms + backoff_ms};
  if (!answer) {
    out.outcome = AskOutcome::failed;
    out.detail = answer.error().describe();
    return out;
  }
  out.request_id = answer->request_id;
  out.accepted = answer->accepted.size();
  out.rejected = answer->rejected.size();
  out.outcome = out.accepted == 0   ? AskOutcome::rejected
                : out.rejected == 0 ? AskOutcome::accepted
                                    : AskOutcome::partial;
  return out;
}

}  // namespace peerapi::client
