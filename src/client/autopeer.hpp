// The regularly scheduled request of draft-ietf-grow-peering-api (section 6, "the initiator
// ... may also make these requests on a schedule"): find the networks at our IXs whose
// PeeringDB policy is Open and whose Peering API endpoint is known, that we do not peer with
// yet and that our own outbound policy allows, and ask each for sessions. The selection is
// pure (snapshot, our ASN, policy, state, now); "already peering" asks each candidate's API;
// the state file remembers whom we asked, so a network is not asked again before the back-off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_error.hpp"
#include "client/discovery.hpp"
#include "client/peer_api_client.hpp"
#include "client/session_plan.hpp"
#include "client/wire.hpp"
#include "config/config.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "model/uuid.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::client {

/// Our outbound policy: which networks autopeer may ask, and how often.
struct AutopeerPolicy {
  std::vector<std::uint32_t> ixs{};         // PeeringDB IX ids; empty: every IX we have a port at
  std::optional<model::IpFamily> family{};  // nullopt: IPv4 and IPv6
  std::vector<model::Asn> deny_asns{};
  /// Bounds on the network's PeeringDB info_prefixes4/6; a bound whose count PeeringDB does not
  /// give skips the network (an unattended run does not guess).
  std::optional<std::uint32_t> min_prefixes4{}, max_prefixes4{}, min_prefixes6{}, max_prefixes6{};
  std::size_t max_new_networks = 10;  // networks asked in one run at most
  std::int64_t backoff_ms = 168LL * 3'600'000;
};

/// The policy [client.autopeer] describes.
AutopeerPolicy autopeer_policy(const config::ClientAutopeerSection& section);

// ---- the state file ---------------------------------------------------------------------------

/// What asking a network gave.
enum class AskOutcome : std::uint8_t {
  accepted,  // every session accepted (200)
  partial,   // some accepted, some refused (200)
  rejected,  // every session refused (422)
  failed,    // no answer, or an error answer (the request may not have been seen)
};

/// "accepted", "partial", "rejected", "failed".
std::string_view to_string(AskOutcome outcome) noexcept;

struct AskRecord {
  model::Asn asn;
  std::int64_t last_asked_ms = 0;
  AskOutcome outcome = AskOutcome::accepted;
  std::int64_t next_allowed_ms = 0;         // not asked again before this
  std::optional<model::Uuid> request_id{};  // the peer's request id, when it answered
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::string detail{};  // failed: the error, one line
};

/// The state file's content: at most one record per ASN.
class AutopeerState {
 public:
  [[nodiscard]] const AskRecord* find(model::Asn asn) const;
  /// Adds `record`, replacing the record of its ASN.
  void record(AskRecord record);
  /// By ASN, ascending.
  [[nodiscard]] const std::vector<AskRecord>& records() const noexcept { return records_; }

 private:
  std::vector<AskRecord> records_;
};

/// The state file: {"version": 1, "networks": [{"asn": N, "last_asked": RFC 3339, "outcome",
/// "next_allowed": RFC 3339, "request_id"?: UUID, "accepted": n, "rejected": n, "detail"?}]}.
/// Strict (it is our own file): unknown members, a repeated ASN, a bad time or outcome are
/// data_invalid at the member ("networks[2].outcome").
Result<AutopeerState> parse_state(std::string_view json_text);
/// The document parse_state reads, records by ASN, one line per record.
std::string encode_state(const AutopeerState& state);
/// Reads `file`; a file that does not exist is an empty state (the first run). Errors name the
/// file in the message and the member in the field.
Result<AutopeerState> load_state(const std::filesystem::path& file);
/// Writes `file` atomically (util::write_file_atomically); io_error at the file.
Result<void> save_state(const std::filesystem::path& file, const AutopeerState& state);

/// An exclusive advisory lock (flock) on "<state file>.lock", held while the object lives, so
/// two runs (an overlapping cron job) never ask the same network twice.
class StateLock {
 public:
  /// io_error at `state_file` when the lock file cannot be opened, unavailable when another
  /// process holds the lock.
  static Result<StateLock> acquire(const std::filesystem::path& state_file);
  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&&) = delete;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// ---- selection --------------------------------------------------------------------------------

enum class SkipReason : std::uint8_t {
  not_open,         // PeeringDB policy_general is not "Open"
  no_endpoint,      // no Peering API endpoint known for it (draft section 6.2)
  already_peering,  // its API lists live sessions of ours with it
  backed_off,       // asked before; next_allowed is still ahead
  policy,           // our outbound policy: deny list, prefix bounds, no session possible
  limit,            // max_new_networks reached in this run
  check_failed,     // its API could not tell whether we already peer
};

/// "not_open", "no_endpoint", "already_peering", "backed_off", "policy", "limit",
/// "check_failed".
std::string_view to_string(SkipReason reason) noexcept;

struct SkippedNetwork {
  model::Asn asn;
  std::string name{};  // PeeringDB net name
  SkipReason reason = SkipReason::policy;
  std::string detail{};  // why, for a person
};

struct AutopeerCandidate {
  model::Asn asn;
  std::string name{};
  Endpoint endpoint{};
  SessionPlan plan{};  // the sessions to request (non-empty)
};

struct AutopeerSelection {
  std::vector<std::uint32_t> exchanges{};       // the IXs considered, ascending
  std::size_t considered = 0;                   // networks with a port at one of them
  std::vector<AutopeerCandidate> candidates{};  // ascending ASN
  std::vector<SkippedNetwork> skipped{};        // ascending ASN, one reason each
  std::vector<std::string> notes{};
};

/// The endpoint of a network: nullopt when no source knows one; an error when a source is broken
/// (EndpointFinder::find_endpoint with not_found mapped to nullopt).
using EndpointLookup = std::function<Result<std::optional<Endpoint>>(model::Asn)>;

/// EndpointFinder as an EndpointLookup. `finder` must outlive the result.
EndpointLookup lookup_with(EndpointFinder& finder);

struct AutopeerInput {
  const sources::peeringdb::Snapshot& snapshot;
  model::Asn local_asn;
  const AutopeerPolicy& policy;
  const AutopeerState& state;
  std::int64_t now_ms = 0;
};

/// The networks other than ours with a port at one of the IXs we are at (policy.ixs when set),
/// each judged in this order, the first failing check giving its skip reason: deny_asns
/// (policy); policy_general "Open" (not_open); prefix bounds (policy); the state's next_allowed
/// (backed_off); a session plan at the common IXs in the allowed families with 1 to 100
/// sessions, what one request carries (policy); an endpoint (no_endpoint). Networks passing every
/// check are candidates. Errors: not_found at "local_asn" when our network is not in the snapshot;
/// a broken endpoint source's error. IXs of policy.ixs where we have no port are named in notes.
Result<AutopeerSelection> select_networks(const AutopeerInput& input,
                                          const EndpointLookup& endpoints);

/// How many live sessions (model::is_live) of ours with the candidate its API lists.
using PeeringCheck = std::function<ClientResult<std::size_t>(const AutopeerCandidate&)>;

/// Walks the candidates in order, keeping at most `max_new_networks` that `check` says we do not
/// peer with yet; those it finds peering become already_peering, those it cannot check
/// check_failed, and those after the limit is reached limit (without a check). Keeps both lists
/// in ASN order.
void confirm_candidates(AutopeerSelection& selection, std::size_t max_new_networks,
                        const PeeringCheck& check);

/// GET /sessions?asn=<local> at the peer, every page: the live sessions whose peer_asn is `peer`.
ClientResult<std::size_t> count_live_sessions(PeerApiClient& api, model::Asn local,
                                              model::Asn peer);

/// The state record for having asked `asn` at `now_ms`: the outcome of `answer` (accepted,
/// partial, rejected, or failed with the error described), next allowed after `backoff_ms`.
AskRecord ask_record(model::Asn asn, const ClientResult<CreateAnswer>& answer, std::int64_t now_ms,
                     std::int64_t backoff_ms);

}  // namespace peerapi::client
