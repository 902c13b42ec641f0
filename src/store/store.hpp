// The store interface (DESIGN.md "store/"): one small contract, implemented by sqlite/ now and
// postgres/ later. Every state change runs in one transaction; nothing is half-written.
// Implementations are safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"
#include "store/audit.hpp"

namespace peerapi::store {

/// One entry of a session's history: every status change, with who caused it.
struct HistoryEntry {
  model::Uuid session_id;
  std::int64_t at_ms = 0;                    // Unix time, milliseconds
  std::optional<model::SessionStatus> from;  // absent for the creation entry
  model::SessionStatus to = model::SessionStatus::pending;
  std::string actor;  // principal subject, "system", or an operator name
  std::string note;
};

/// The HTTP answer to store with a request (replayed verbatim for the same client request id).
struct StoredAnswer {
  int http_status = 200;
  std::string body;
};

/// Builds the audit entry of a created request from the answer the AnswerBuilder returned. Runs
/// inside the transaction, right after the AnswerBuilder (so it may read what that recorded);
/// must be pure.
using AuditBuilder = std::function<AuditEntry(const StoredAnswer& answer)>;

/// Runs `build` on `answer` for a backend: the entry, validate_audit_entry's error for a bad
/// one, or internal when the builder throws.
inline Result<AuditEntry> build_audit_entry(const AuditBuilder& build, const StoredAnswer& answer) {
  Result<AuditEntry> entry;
  try {
    entry = build(answer);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "",
                std::string("building the audit entry failed: ") + e.what());
  } catch (...) {
    return fail(ErrorCode::internal, "", "building the audit entry failed");
  }
  if (auto valid = validate_audit_entry(*entry); !valid)
    return std::unexpected(valid.error());
  return entry;
}

/// A create request after validation: the accepted candidates, ready to store.
struct RequestDraft {
  model::Uuid request_id;
  std::optional<model::Uuid> client_request_id;
  std::string subject;    // principal subject; client request ids are scoped to it
  std::string body_hash;  // hex SHA-256 of the request body, for idempotency checks
  std::optional<std::string> return_url;
  std::int64_t now_ms = 0;
  /// Sessions accepted by validation and policy; status is approved or pending; ids assigned.
  std::vector<model::Session> candidates;
  /// The note of each candidate's creation history entry (the policy decision and its reasons);
  /// missing entries mean "".
  std::vector<std::string> creation_notes;
  /// limits.max_pending_per_requester, 0 for none: the pending sessions one local_asn may have.
  /// Counted inside the transaction (stored pending sessions plus this draft's earlier pending
  /// candidates), so concurrent requests cannot pass it together; the candidates beyond it are
  /// flagged over_pending_cap and not stored.
  std::int64_t max_pending_per_local_asn = 0;
  /// Optional. When set and the request is created, its audit entry is appended in the same
  /// transaction: the request and its entry are durable together or not at all (nothing is
  /// appended for a replay or a conflict, which write nothing).
  AuditBuilder audit;
};

struct CreateOutcome {
  enum class Kind { created, replayed, conflict };
  Kind kind = Kind::created;
  StoredAnswer answer;  // for `created`: what `finish` returned; for `replayed`: the stored one
  /// The id of the audit entry appended with a `created` request (RequestDraft::audit).
  std::optional<std::int64_t> audit_id;
};

/// What create_request found inside its transaction, per candidate (index i is candidates[i]);
/// a candidate flagged either way is not stored.
struct CandidateChecks {
  /// A live session has the same local_asn, local_ip, peer_asn, peer_ip and location.
  std::vector<bool> duplicate;
  /// A pending candidate beyond RequestDraft::max_pending_per_local_asn (never a duplicate).
  std::vector<bool> over_pending_cap;
};

/// Builds the answer once the store has checked the candidates. Runs inside the transaction;
/// must be pure.
using AnswerBuilder = std::function<StoredAnswer(const CandidateChecks& checks)>;

struct SessionPage {
  std::vector<model::Session> sessions;    // ascending insertion order
  std::optional<std::int64_t> next_after;  // cursor position when more follow
};

/// This server's OAuth client registration at an attested IdP (POST /oauth/client_register,
/// draft-ietf-grow-peering-api "OAuth with RPKI Attested OAuth"; RFC 7591 section 3.2.1).
struct IdpRegistration {
  std::string issuer;     // the IdP's issuer identifier (RFC 8414 section 2); the key
  std::string client_id;  // our client id there; tokens for us carry it as "aud"
  /// A secret: never logged, never returned by the API.
  std::optional<std::string> client_secret;
  /// RFC 7591 section 3.2.1: Unix seconds when client_secret expires, 0 for never.
  std::optional<std::int64_t> client_secret_expires_at;
  std::vector<model::Asn> asns;  // the ASNs the IdP was attested for, ascending
  std::string jwks_uri;          // from the IdP's metadata (RFC 8414 section 2)
  std::int64_t created_at_ms = 0;
};

struct OneTimeKey {
  std::string key;
  std::int64_t expires_at_ms = 0;
};

/// What the reconcile loop (lifecycle/, issue 6) knows about a session on the router, kept
/// next to the session so a restarted server (or another replica) carries on from it.
struct RouterRecord {
  model::Uuid session_id;
  bool on_router = false;  // part of the last configuration the router accepted
  std::optional<std::int64_t> configured_at_ms;   // first accepted apply that had it
  std::optional<std::int64_t> established_at_ms;  // the last time it came up
  std::optional<std::int64_t> down_at_ms;         // the last time it went down after being up
  int flaps = 0;                                  // established -> not established, counted
  std::string bgp_state;                          // router::to_string; empty before a read
  std::string last_error;  // the daemon's or the apply's last error; empty when none
  std::optional<std::int64_t> prefixes_received;
  std::optional<std::int64_t> prefixes_accepted;
  std::int64_t observed_at_ms = 0;  // the last state read
  bool operator==(const RouterRecord&) const = default;
};

/// One conditional transition of a batch (Store::transition_all).
struct TransitionRequest {
  model::Uuid session_id;
  model::SessionStatus from = model::SessionStatus::pending;
  model::SessionStatus to = model::SessionStatus::pending;
  std::string note;
};

/// Which side of a session this network is (render::Side): `receiver` for sessions other
/// networks asked us for (the API's sessions), `initiator` for sessions we asked a peer for.
enum class SessionSide : std::uint8_t { receiver, initiator };

/// A session the reconcile loop looks at, with its router bookkeeping (absent before the
/// first apply or read).
struct RouterSession {
  model::Session session;
  SessionSide side = SessionSide::receiver;
  std::optional<RouterRecord> record;
};

/// Sessions this network asked a peer for and the peer accepted, stored so our own router gets
/// its side (issue 7 `peerapi request --wait`). The peer assigned the ids.
struct OutgoingRequest {
  model::Uuid request_id;                // the peer's
  std::string peer_url;                  // the peer's API base, for status follow-up
  std::vector<model::Session> sessions;  // as the peer answered; status approved (or later)
  std::int64_t now_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  /// Atomically: when `client_request_id` is set and already stored for `subject`, returns the
  /// stored answer (`replayed` when `body_hash` matches, `conflict` otherwise) and writes
  /// nothing. Otherwise finds which candidates duplicate live sessions or pass the pending cap
  /// (CandidateChecks), calls `finish`, and stores the request with its answer plus every
  /// unflagged candidate and its creation history entry. A live duplicate is also prevented by a
  /// unique constraint. (Added for implementers:) stored sessions take request_id from
  /// `draft.request_id` and created_at/updated_at from `draft.now_ms`; the creation history entry
  /// has from = absent, to = the candidate's status, actor = `draft.subject`. Two candidates of one
  /// draft with the same live tuple (which validation reports as duplicate_in_request first) fail
  /// the whole call with duplicate_session and store nothing.
  virtual Result<CreateOutcome> create_request(const RequestDraft& draft,
                                               const AnswerBuilder& finish) = 0;

  virtual Result<std::optional<model::Session>> get_session(const model::Uuid& session_id) = 0;

  /// Sessions with `local_asn`, optionally of one request, after cursor position `after`
  /// (exclusive), at most `limit`.
  /// (Added:) `limit` must be 1 or more (else out_of_range). A request of another ASN lists
  /// nothing. Positions are assigned in commit order, so paging is stable under inserts.
  virtual Result<SessionPage> list_sessions(model::Asn local_asn,
                                            const std::optional<model::Uuid>& request_id,
                                            std::optional<std::int64_t> after, int limit) = 0;

  /// Moves a session to `to` only if its status is currently one of `from` (conditional
  /// update; exactly one of several concurrent callers wins). Records history. Returns the
  /// updated session, or nullopt when it does not exist or its status was not in `from`.
  /// (Added:) a move to a live status that would duplicate another live session fails with
  /// duplicate_session and changes nothing. When `audit_if_moved` is given, that entry is
  /// appended in the same transaction if (and only if) the session moves; an entry that
  /// validate_audit_entry refuses fails the call before anything is written.
  virtual Result<std::optional<model::Session>> transition(
      const model::Uuid& session_id, std::span<const model::SessionStatus> from,
      model::SessionStatus to, const std::string& actor, const std::string& note,
      std::int64_t now_ms, const AuditEntry* audit_if_moved = nullptr) = 0;

  /// `transition` for each request (from exactly `from`), all with `actor` and `now_ms`, in one
  /// transaction: the reconcile loop moves a thousand sessions with one commit. Result i is
  /// the updated session, or nullopt when request i's session does not exist or is no longer in
  /// `from`. An error (such as duplicate_session) undoes the whole batch.
  virtual Result<std::vector<std::optional<model::Session>>> transition_all(
      std::span<const TransitionRequest> requests, const std::string& actor,
      std::int64_t now_ms) = 0;

  /// (Added:) oldest first, in the order the changes were stored (not sorted by `at_ms`).
  virtual Result<std::vector<HistoryEntry>> history(const model::Uuid& session_id) = 0;

  /// A named secret of `size` random bytes, created on first use and stable afterwards (for
  /// example the pagination-token key, shared by every server on this store).
  /// (Added:) `size` (1 or more) applies at creation; later calls return the stored value
  /// whatever `size` they pass.
  virtual Result<std::string> named_secret(const std::string& name, std::size_t size) = 0;

  /// Replay protection (DPoP `jti`, RFC 9449 section 11.1; RFC 9421 `nonce`): records `key`
  /// until `expires_at_ms` and returns true when it was not already recorded with an expiry
  /// after `now_ms`; false means the value was used before (a replay). Atomic across threads,
  /// processes and replicas sharing the store. Expired values are purged as a side effect.
  virtual Result<bool> remember_once(std::string_view key, std::int64_t expires_at_ms,
                                     std::int64_t now_ms) = 0;
  /// remember_once for several keys in one transaction (one request's DPoP jti and signature
  /// nonce): true when none was recorded before. Every key is recorded either way, so a value
  /// of a refused request stays spent.
  virtual Result<bool> remember_all_once(std::span<const OneTimeKey> keys, std::int64_t now_ms) = 0;

  /// Stores `registration`, replacing the one with the same issuer (upsert). invalid_value at
  /// "issuer", "client_id", "jwks_uri" or "asns" when one is empty.
  virtual Result<void> save_idp_registration(const IdpRegistration& registration) = 0;

  /// Every stored registration, ordered by issuer.
  virtual Result<std::vector<IdpRegistration>> idp_registrations() = 0;

  /// (Added:) every stored session, whatever its status.
  virtual Result<std::int64_t> count_sessions() = 0;

  /// Live sessions (model::is_live) of `local_asn`, counted per location id ("pdb:ix:1"); the
  /// operator policy's caps count against these.
  virtual Result<std::map<std::string, std::size_t, std::less<>>> live_session_counts(
      model::Asn local_asn) = 0;

  /// Sessions of any ASN with `status`, in insertion order after cursor `after`, at most
  /// `limit` (1 or more; else out_of_range): the manual review queue (`peerapi admin pending`).
  virtual Result<SessionPage> sessions_with_status(model::SessionStatus status,
                                                   std::optional<std::int64_t> after,
                                                   int limit) = 0;

  /// How many sessions of `local_asn` have `status` (limits.max_pending_per_requester).
  virtual Result<std::int64_t> count_sessions_with_status(model::Asn local_asn,
                                                          model::SessionStatus status) = 0;

  /// Cheap liveness probe for /readyz.
  virtual Result<void> ping() = 0;

  // ---- lifecycle (issue 6) ----------------------------------------------------------------

  /// Every session whose status belongs on the router (approved, configured, established,
  /// down) or whose record says it is still on it, both sides, in insertion order.
  virtual Result<std::vector<RouterSession>> router_sessions() = 0;
  /// The record of one session; nullopt when none was saved.
  virtual Result<std::optional<RouterRecord>> router_record(const model::Uuid& session_id) = 0;
  /// Upserts every record in one transaction (all or nothing). not_found at
  /// "records[N].session_id" when a session does not exist.
  virtual Result<void> save_router_records(std::span<const RouterRecord> records) = 0;
  /// A lease on `name` (one router) for `holder` until `until_ms`: true when granted, i.e. no
  /// one held it, `holder` held it, or the holder's lease ended at or before `now_ms`. Atomic
  /// across threads, processes and replicas on the store; so only one applies to a router.
  virtual Result<bool> claim_lease(std::string_view name, std::string_view holder,
                                   std::int64_t now_ms, std::int64_t until_ms) = 0;
  /// Stores the sessions of `request` as initiator-side sessions (with a creation history
  /// entry, actor "peerapi:initiator"). Idempotent: sessions already stored are left as they
  /// are. duplicate_session when one would duplicate a live session of this store.
  virtual Result<void> save_outgoing(const OutgoingRequest& request) = 0;

  // ---- audit log and counts (store/audit.hpp) ----------------------------------------------

  /// Appends `entry` (its id is ignored) in its own transaction and returns the id assigned:
  /// ids ascend in commit order, so paging by after_id misses no entry committed later.
  /// validate_audit_entry's errors for a bad entry.
  virtual Result<std::int64_t> append_audit(const AuditEntry& entry) = 0;
  /// Entries matching every given filter of `query`, in ascending id order
  /// (validate_audit_query's errors for a bad query).
  virtual Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) = 0;
  /// Retention ([audit] retention_days): deletes the oldest entries with at_ms < `before_ms`,
  /// at most `max_rows` of them (1 or more, else out_of_range at "max_rows") in one
  /// transaction, and returns how many it deleted. Callers repeat it until it returns less than
  /// `max_rows`, so one call never holds the write lock for long.
  virtual Result<std::int64_t> purge_audit(std::int64_t before_ms, int max_rows) = 0;
  /// Every stored session counted per status; statuses without sessions are absent.
  virtual Result<std::map<model::SessionStatus, std::int64_t>> count_by_status() = 0;
};

}  // namespace peerapi::store
