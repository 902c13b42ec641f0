// SqliteStore throughput (DESIGN.md "Testing layers": benchmarks, not timed tests).
//   BM_GetSession      random lookups among 100,000 stored sessions (the GET /sessions/{id}
//                      path, which must leave room for > 30,000 requests/s on 2 cores)
//   BM_ListSessions    one page of 100 of one ASN's sessions
//   BM_CreateRequest   one request of 10 new sessions, with synchronous=full and =normal
// Each runs single-threaded and with 2 threads sharing one store.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"

namespace peerapi::store {
namespace {

constexpr std::uint32_t kPeerAsn = 64511;
constexpr std::int64_t kNow = 1'700'000'000'000;

/// A request of `count` approved sessions from `local_asn`, addresses 10.0.0.0 + host (IPv4
/// space is large enough for every benchmark run to use fresh tuples).
RequestDraft make_draft(util::RandomSource& random, std::uint32_t local_asn, std::uint32_t host,
                        int count) {
  RequestDraft d{.request_id = model::Uuid::v4_from_bytes(random.bytes16()),
                 .client_request_id = model::Uuid::v4_from_bytes(random.bytes16()),
                 .subject = "bench",
                 .body_hash = "0000000000000000000000000000000000000000000000000000000000000000",
                 .return_url = std::nullopt,
                 .now_ms = kNow,
                 .candidates = {},
                 .creation_notes = {},
                 .audit = {}};
  d.candidates.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    d.candidates.push_back(model::Session{
        .session_id = model::Uuid::v4_from_bytes(random.bytes16()),
        .request_id = d.request_id,
        .fields =
            model::SessionRequest{
                .local_asn = *model::Asn::from_number(local_asn),
                .local_ip =
                    model::IpAddress::v4(0x0A000000u + host + static_cast<std::uint32_t>(i)),
                .peer_asn = *model::Asn::from_number(kPeerAsn),
                .peer_ip = model::IpAddress::v4(0xC0000201u),
                .session_secret =
                    model::SessionSecret::parse("bench-secret", "session_secret").value(),
                .location = model::LocationId::ix(1),
            },
        .status = model::SessionStatus::approved,
    });
  }
  return d;
}

const AnswerBuilder& fixed_answer() {
  static const AnswerBuilder answer = [](const CandidateChecks&) {
    return StoredAnswer{200, R"({"sessions":[]})"};
  };
  return answer;
}

/// 100,000 sessions in 10,000 requests over 100 ASNs, loaded once per benchmark process (with
/// synchronous=off, then reopened with the default options).
class PopulatedStore {
 public:
  static constexpr int kSessions = 100'000;
  static constexpr int kPerRequest = 10;

  static PopulatedStore& instance() {
    static PopulatedStore populated;
    return populated;
  }

  Store* store() { return store_.get(); }
  const std::vector<model::Uuid>& ids() const { return ids_; }
  std::string error;

 private:
  PopulatedStore() {
    const auto file = dir_.path() / "bench.db";
    {
      auto loader = SqliteStore::open(file, random_, {.synchronous = "off"});
      if (!loader) {
        error = loader.error().message;
        return;
      }
      ids_.reserve(kSessions);
      for (int r = 0; r < kSessions / kPerRequest; ++r) {
        const auto draft = make_draft(random_, 64500 + static_cast<std::uint32_t>(r % 100),
                                      static_cast<std::uint32_t>(r * kPerRequest), kPerRequest);
        auto created = (*loader)->create_request(draft, fixed_answer());
        if (!created) {
          error = created.error().message;
          return;
        }
        for (const auto& c : draft.candidates)
          ids_.push_back(c.session_id);
      }
    }
    auto opened = SqliteStore::open(file, random_);
    if (!opened) {
      error = opened.error().message;
      return;
    }
    store_ = std::move(*opened);
  }

  peerapi::testing::TempDir dir_;
  util::SecureRandom random_;
  std::unique_ptr<SqliteStore> store_;
  std::vector<model::Uuid> ids_;
};

void BM_GetSession(benchmark::State& state) {
  auto& populated = PopulatedStore::instance();
  if (populated.store() == nullptr) {
    state.SkipWithError(populated.error.c_str());
    return;
  }
  const auto& ids = populated.ids();
  // A multiplicative walk spreads lookups over the whole table (no cache-friendly order).
  std::size_t position = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    position = (position + 104'729) % ids.size();
    auto session = populated.store()->get_session(ids[position]);
    if (!session || !session->has_value()) {
      state.SkipWithError("lookup failed");
      break;
    }
    benchmark::DoNotOptimize(session);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetSession)->Threads(1)->Threads(2)->UseRealTime();

void BM_ListSessions(benchmark::State& state) {
  auto& populated = PopulatedStore::instance();
  if (populated.store() == nullptr) {
    state.SkipWithError(populated.error.c_str());
    return;
  }
  std::uint32_t asn = 64500 + static_cast<std::uint32_t>(state.thread_index());
  for (auto _ : state) {
    asn = 64500 + (asn - 64500 + 37) % 100;
    auto page =
        populated.store()->list_sessions(*model::Asn::from_number(asn), std::nullopt, {}, 100);
    if (!page || page->sessions.size() != 100) {
      state.SkipWithError("listing failed");
      break;
    }
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ListSessions)->Threads(1)->Threads(2)->UseRealTime();

/// An empty store per synchronous mode, shared by the threads of one benchmark run.
class WriteTarget {
 public:
  static WriteTarget& instance(bool full) {
    static WriteTarget full_sync("full");
    static WriteTarget normal_sync("normal");
    return full ? full_sync : normal_sync;
  }
  Store* store() { return store_.get(); }
  std::string error;
  /// Fresh address blocks, so that no benchmark request is a duplicate of an earlier one.
  std::atomic<std::uint32_t> next_host{0};

 private:
  explicit WriteTarget(const char* synchronous) {
    auto opened =
        SqliteStore::open(dir_.path() / "bench.db", random_, {.synchronous = synchronous});
    if (!opened)
      error = opened.error().message;
    else
      store_ = std::move(*opened);
  }
  peerapi::testing::TempDir dir_;
  util::SecureRandom random_;
  std::unique_ptr<SqliteStore> store_;
};

void BM_CreateRequest(benchmark::State& state) {
  auto& target = WriteTarget::instance(state.range(0) == 1);
  if (target.store() == nullptr) {
    state.SkipWithError(target.error.c_str());
    return;
  }
  util::SecureRandom random;
  for (auto _ : state) {
    const std::uint32_t host = target.next_host.fetch_add(16);
    const auto draft = make_draft(random, 64500, host, 10);
    auto outcome = target.store()->create_request(draft, fixed_answer());
    if (!outcome || outcome->kind != CreateOutcome::Kind::created) {
      state.SkipWithError(outcome ? "request not created" : outcome.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 1 ? "synchronous=full" : "synchronous=normal");
}
BENCHMARK(BM_CreateRequest)
    ->ArgName("full_sync")
    ->Arg(1)
    ->Arg(0)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

}  // namespace
}  // namespace peerapi::store

BENCHMARK_MAIN();
