// Differential libFuzzer target for pagination (DESIGN.md "Pagination": max_results 1-100 and an
// authenticated next_token, stable under concurrent inserts, no duplicates or gaps). The input
// is decoded into at most kMaxOps operations, run against the real SQLite store with the real
// cursor codec (GET /sessions does exactly this: the scope is "sessions|<asn>|<request id>") and
// against a naive model, a vector of sessions in insertion order:
//   create  a request of 1-4 sessions for one of 3 ASNs (pending or approved);
//   list    the next page of n (1-8, or 100) of a walk over one ASN, or over one request;
//   restart a walk from its first page;
//   move    a session from a set of statuses to another (Store::transition);
//   tamper  one character of a walk's next_token, or present it for another ASN.
// Traps when a property breaks:
// - every page is exactly the model's next n sessions of that ASN (or request) after those the
//   walk has already seen, with their current status; it carries a next_token exactly when
//   more follow; so a complete walk, whatever its page sizes and the inserts between its pages,
//   returns the model's sessions in order, without duplicates or gaps;
// - a transition happens exactly when the model says the session's status is in `from`;
// - a tampered token, or a token of another query, is refused with invalid_next_token at
//   "next_token".
// Every input ends with one complete walk per ASN, then its sessions are deleted; each input
// also gets 3 fresh private ASNs (RFC 6996), so inputs never see each other's sessions. One
// store file per process, without fsync: an input takes about 6 ms of CPU.
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "api/pagination.hpp"
#include "model/session.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/clock.hpp"

namespace {

namespace model = peerapi::model;
namespace store = peerapi::store;
using model::SessionStatus;
using peerapi::ErrorCode;

constexpr std::size_t kMaxOps = 48;
constexpr std::size_t kMaxCreates = 16;
constexpr std::size_t kWalks = 4;                          // one per ASN, and one over a request
constexpr std::uint32_t kFirstPrivateAsn = 4'200'000'000;  // RFC 6996 section 5
constexpr std::uint32_t kPrivateAsns = 94'967'294;
constexpr std::array<SessionStatus, 8> kStatuses = {
    SessionStatus::pending,       SessionStatus::approved,    SessionStatus::rejected,
    SessionStatus::configured,    SessionStatus::established, SessionStatus::down,
    SessionStatus::unestablished, SessionStatus::deleted};

void require(bool property) {
  if (!property)
    __builtin_trap();
}

struct World {
  peerapi::util::SecureRandom random;
  std::filesystem::path dir;
  std::unique_ptr<store::SqliteStore> db;
  std::unique_ptr<peerapi::api::CursorCodec> codec;
  sqlite3* raw = nullptr;      // a second connection to the same file, for forget_sessions()
  std::uint64_t next_id = 1;   // session and request ids, local addresses
  std::uint32_t next_asn = 0;  // offset in the private range

  World() {
    std::string path =
        (std::filesystem::temp_directory_path() / "peerapi-pagefuzz-XXXXXX").string();
    if (mkdtemp(path.data()) == nullptr)
      std::abort();
    dir = path;
    // Durability is not under test: no fsync, so one input stays well under 10 ms.
    auto opened = store::SqliteStore::open(dir / "fuzz.db", random,
                                           store::SqliteOptions{.synchronous = "off",
                                                                .read_connections = 2,
                                                                .busy_timeout_ms = 5000,
                                                                .mmap_size_bytes = 0});
    if (!opened)
      std::abort();
    db = std::move(*opened);
    auto key = db->named_secret("pagination-token-key", 32);
    if (!key)
      std::abort();
    codec = std::make_unique<peerapi::api::CursorCodec>(*key);
    if (sqlite3_open((dir / "fuzz.db").c_str(), &raw) != SQLITE_OK)
      std::abort();
  }
  ~World() {
    sqlite3_close(raw);
    db.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  /// Deletes every request and session (the Store interface has no such call): the file and
  /// SQLite's page caches stay the same size from input to input, so libFuzzer does not run a
  /// leak check after each one (which cost 4x the input itself).
  void forget_sessions() {
    require(sqlite3_exec(raw,
                         "DELETE FROM session_history; DELETE FROM sessions; DELETE FROM requests;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
  }

  model::Uuid new_uuid() {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 8; ++i)
      bytes[15 - i] = static_cast<std::uint8_t>(next_id >> (8 * i));
    ++next_id;
    return model::Uuid::v4_from_bytes(bytes);
  }
};

World& world() {
  static World instance;
  return instance;
}

/// Reads the input a byte at a time; zeros once it is used up.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t next() { return at_ < size_ ? data_[at_++] : 0; }
  [[nodiscard]] bool empty() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

struct ModelSession {
  model::Uuid id;
  std::size_t asn_index;
  std::size_t request_index;
  SessionStatus status;
};

struct Walk {
  std::size_t asn_index = 0;
  std::optional<std::size_t> request_index;  // the request walk only
  std::optional<std::string> token;          // the next page's next_token
  std::size_t seen = 0;                      // sessions returned so far
  bool started = false;
};

class Run {
 public:
  explicit Run(World& w) : w_(w) {
    for (std::size_t i = 0; i < asns_.size(); ++i) {
      asns_[i] = model::Asn::from_number(kFirstPrivateAsn + w.next_asn).value();
      w.next_asn = (w.next_asn + 1) % kPrivateAsns;
    }
    for (std::size_t i = 0; i < 3; ++i)
      walks_[i].asn_index = i;
  }

  void create(std::size_t asn_index, std::size_t count, std::uint8_t statuses) {
    store::RequestDraft draft{.request_id = w_.new_uuid(),
                              .client_request_id = std::nullopt,
                              .subject = "fuzz",
                              .body_hash = "h",
                              .return_url = std::nullopt,
                              .now_ms = 1'795'420'800'000,
                              .candidates = {},
                              .creation_notes = {}};
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t host = w_.next_id;
      const std::string ip = "2001:db8:" + hex(host >> 32) + ":" + hex((host >> 16) & 0xffff) +
                             ":" + hex(host & 0xffff) + "::2";
      draft.candidates.push_back(model::Session{
          .session_id = w_.new_uuid(),
          .request_id = draft.request_id,
          .fields =
              model::SessionRequest{
                  .local_asn = asns_[asn_index],
                  .local_ip = model::IpAddress::parse(ip).value(),
                  .peer_asn = model::Asn::from_number(64500).value(),
                  .peer_ip = model::IpAddress::parse("2001:db8::1").value(),
                  .location = model::LocationId::ix(1),
              },
          .status = (statuses >> i) & 1 ? SessionStatus::approved : SessionStatus::pending,
      });
    }
    auto outcome = w_.db->create_request(draft, [](const store::CandidateChecks& checks) {
      for (bool d : checks.duplicate)
        require(!d);
      return store::StoredAnswer{.http_status = 200, .body = "{}"};
    });
    require(outcome.has_value() && outcome->kind == store::CreateOutcome::Kind::created);
    const std::size_t request_index = requests_.size();
    requests_.push_back(draft.request_id);
    request_asn_.push_back(asn_index);
    for (const auto& c : draft.candidates)
      sessions_.push_back(ModelSession{c.session_id, asn_index, request_index, c.status});
  }

  void restart(std::size_t slot, std::uint8_t choice) {
    Walk& walk = walks_[slot];
    walk.token.reset();
    walk.seen = 0;
    walk.started = false;
    if (slot == 3) {
      if (requests_.empty())
        return;
      walk.request_index = choice % requests_.size();
      walk.asn_index = request_asn_[*walk.request_index];
    }
  }

  /// Fetches the walk's next page and checks it against the model; true when the walk ended.
  bool list(std::size_t slot, int page_size) {
    Walk& walk = walks_[slot];
    if (slot == 3 && !walk.request_index) {
      if (requests_.empty())
        return true;
      restart(slot, static_cast<std::uint8_t>(requests_.size() - 1));
    }
    const std::string scope = scope_of(walk);
    std::optional<std::int64_t> after;
    if (walk.token) {
      auto position = w_.codec->decode(scope, *walk.token);
      require(position.has_value());
      after = *position;
    }
    std::optional<model::Uuid> request_id;
    if (walk.request_index)
      request_id = requests_[*walk.request_index];
    auto page = w_.db->list_sessions(asns_[walk.asn_index], request_id, after, page_size);
    require(page.has_value());

    const std::vector<const ModelSession*> expected = model_walk(walk);
    require(walk.seen <= expected.size());
    const std::size_t remaining = expected.size() - walk.seen;
    const std::size_t count = remaining < static_cast<std::size_t>(page_size)
                                  ? remaining
                                  : static_cast<std::size_t>(page_size);
    require(page->sessions.size() == count);
    for (std::size_t i = 0; i < count; ++i) {
      const ModelSession& m = *expected[walk.seen + i];
      const model::Session& s = page->sessions[i];
      require(s.session_id == m.id && s.status == m.status &&
              s.request_id == requests_[m.request_index] &&
              s.fields.local_asn.value() == asns_[m.asn_index].value());
    }
    require(page->next_after.has_value() == (remaining > count));
    walk.started = true;
    walk.seen += count;
    if (!page->next_after) {
      walk.token.reset();
      walk.seen = 0;
      walk.started = false;
      return true;
    }
    walk.token = w_.codec->encode(scope, *page->next_after);
    return false;
  }

  void transition(std::size_t index, std::uint8_t from_mask, std::uint8_t to) {
    if (sessions_.empty())
      return;
    ModelSession& m = sessions_[index % sessions_.size()];
    std::vector<SessionStatus> from;
    for (std::size_t i = 0; i < kStatuses.size(); ++i) {
      if ((from_mask >> i) & 1)
        from.push_back(kStatuses[i]);
    }
    const SessionStatus target = kStatuses[to % kStatuses.size()];
    bool applies = false;
    for (SessionStatus s : from)
      applies = applies || s == m.status;
    auto moved = w_.db->transition(m.id, from, target, "fuzz", "", 1'795'420'800'001);
    require(moved.has_value());
    require(moved->has_value() == applies);
    if (applies) {
      require((*moved)->session_id == m.id && (*moved)->status == target);
      m.status = target;
    }
  }

  void tamper(std::size_t slot, std::uint8_t at, std::uint8_t replacement, std::uint8_t asn) {
    const Walk& walk = walks_[slot];
    if (!walk.token)
      return;
    const std::string scope = scope_of(walk);
    const std::string& token = *walk.token;
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/";
    std::string changed = token;
    changed[at % changed.size()] = kAlphabet[replacement % kAlphabet.size()];
    if (changed != token)
      refused(w_.codec->decode(scope, changed));
    refused(w_.codec->decode(scope, token + kAlphabet[replacement % kAlphabet.size()]));
    refused(w_.codec->decode(scope, token.substr(0, at % token.size())));
    // The same token for another ASN, or for the whole ASN instead of one request.
    Walk other = walk;
    other.asn_index = (walk.asn_index + 1 + asn % 2) % asns_.size();
    refused(w_.codec->decode(scope_of(other), token));
    if (walk.request_index) {
      other = walk;
      other.request_index.reset();
      refused(w_.codec->decode(scope_of(other), token));
    }
  }

  /// Walks every ASN to the end with one page size.
  void finish(int page_size) {
    for (std::size_t slot = 0; slot < 3; ++slot) {
      restart(slot, 0);
      std::size_t pages = 0;
      while (!list(slot, page_size))
        require(++pages <= sessions_.size());
    }
  }

  [[nodiscard]] std::size_t sessions() const { return sessions_.size(); }

 private:
  static std::string hex(std::uint64_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    do {
      out.insert(out.begin(), kDigits[value & 0xf]);
      value >>= 4;
    } while (value != 0);
    return out;
  }

  static void refused(const peerapi::Result<std::int64_t>& decoded) {
    require(!decoded.has_value() && decoded.error().code == ErrorCode::invalid_next_token &&
            decoded.error().field == "next_token");
  }

  /// As ApiService::list_sessions builds it.
  [[nodiscard]] std::string scope_of(const Walk& walk) const {
    return "sessions|" + std::to_string(asns_[walk.asn_index].value()) + "|" +
           (walk.request_index ? requests_[*walk.request_index].to_string() : std::string());
  }

  [[nodiscard]] std::vector<const ModelSession*> model_walk(const Walk& walk) const {
    std::vector<const ModelSession*> out;
    for (const auto& s : sessions_) {
      if (s.asn_index == walk.asn_index &&
          (!walk.request_index || s.request_index == *walk.request_index))
        out.push_back(&s);
    }
    return out;
  }

  World& w_;
  std::array<model::Asn, 3> asns_ = {model::Asn::from_number(64500).value(),
                                     model::Asn::from_number(64500).value(),
                                     model::Asn::from_number(64500).value()};
  std::array<Walk, kWalks> walks_;
  std::vector<model::Uuid> requests_;
  std::vector<std::size_t> request_asn_;
  std::vector<ModelSession> sessions_;
};

int page_size(std::uint8_t byte) {
  return byte >= 0xf0 ? 100 : 1 + byte % 8;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Run run(world());
  Bytes in(data, size);
  std::size_t creates = 0;
  for (std::size_t op = 0; op < kMaxOps && !in.empty(); ++op) {
    const std::uint8_t code = in.next();
    const std::size_t slot = (code >> 3) % kWalks;
    switch (code % 5) {
      case 0: {
        const std::uint8_t shape = in.next();
        if (creates++ < kMaxCreates)
          run.create(shape % 3, 1 + (shape >> 2) % 4, in.next());
        break;
      }
      case 1:
        run.list(slot, page_size(in.next()));
        break;
      case 2:
        run.restart(slot, in.next());
        break;
      case 3: {
        const std::uint8_t index = in.next();
        const std::uint8_t from = in.next();
        run.transition(index, from, in.next());
        break;
      }
      default: {
        const std::uint8_t at = in.next();
        const std::uint8_t replacement = in.next();
        run.tamper(slot, at, replacement, in.next());
        break;
      }
    }
  }
  run.finish(page_size(in.next()));
  world().forget_sessions();
  return 0;
}
