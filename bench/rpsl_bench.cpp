// RPSL parsing and IrrDatabase loading (issue 4 targets: parsing >= 150 MB/s on one core; the
// loaded database <= 25% of the dump's size).
//   BM_LoadFileMemory   IrrDatabase::load on the dump file, once, first (a clean heap): resident
//                       memory before and after (VmRSS, the database alive, the loader's
//                       temporaries freed) and the peak during the load (VmHWM, reset first)
//   BM_Parse            RpslParser over the dump in memory, fed whole
//   BM_ParseChunked     the same fed in 1 MiB pieces, as the file loader does
//   BM_LoadFromText     IrrDatabase::from_text over the dump in memory: parse + build
// The dump is $PEERAPI_IRR_DUMP (plain or gzip), or a small one generated into a temp dir with
// bench/make_irr_dump.py --size small. Rates are per CPU second of the one benchmark thread (the
// "one core" figure, also on a busy machine). Counters: MB_per_s (dump megabytes, 10^6),
// dump_MB, db_MB (IrrDatabase::memory_bytes), bytes_per_object (db bytes per kept object),
// ratio (db / dump), rss_delta_MB and rss_ratio (measured), peak_delta_MB.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sources/irr/irr_database.hpp"
#include "sources/irr/rpsl_parser.hpp"
#include "support/test_support.hpp"

namespace peerapi::sources::irr {
namespace {

/// The dump's path: $PEERAPI_IRR_DUMP, or a small generated one.
const std::filesystem::path& dump_path() {
  static peerapi::testing::TempDir scratch;
  static const std::filesystem::path path = [] {
    if (const char* env = std::getenv("PEERAPI_IRR_DUMP"); env != nullptr && *env != '\0')
      return std::filesystem::path(env);
    const auto generated = scratch.path() / "small.db";
    const std::string command = "python3 " PEERAPI_SOURCE_DIR "/bench/make_irr_dump.py '" +
                                generated.string() + "' --size small";
    if (std::system(command.c_str()) != 0)
      throw std::runtime_error("cannot generate a dump: " + command);
    return generated;
  }();
  return path;
}

/// The dump's text in memory (decompressed when it is gzip).
const std::string& dump_text() {
  static const std::string text = [] {
    gzFile gz = gzopen(dump_path().c_str(), "rb");  // reads plain files as they are
    if (gz == nullptr)
      throw std::runtime_error("cannot open " + dump_path().string());
    gzbuffer(gz, 1 << 20);
    std::string out;
    std::vector<char> buffer(1 << 20);
    int got = 0;
    while ((got = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
      out.append(buffer.data(), static_cast<std::size_t>(got));
    gzclose(gz);
    return out;
  }();
  return text;
}

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or -1.
double status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::strtod(line.c_str() + field.size() + 1, nullptr) * 1024;
  }
  return -1;
}

/// Resets VmHWM to the current VmRSS (Linux: "5" to /proc/self/clear_refs).
void reset_peak() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
}

class CountingHandler final : public RpslHandler {
 public:
  void on_object(const RpslObject& object) override {
    ++objects;
    attributes += object.attributes().size();
  }
  std::size_t objects = 0;
  std::size_t attributes = 0;
};

std::size_t kept_objects(const IrrDatabase& db) {
  return db.route_count() + db.route6_count() + db.as_set_count() + db.aut_num_count();
}

void set_memory_counters(benchmark::State& state, const IrrDatabase& db, double dump_bytes) {
  state.counters["dump_MB"] = dump_bytes / 1e6;
  state.counters["db_MB"] = static_cast<double>(db.memory_bytes()) / 1e6;
  state.counters["bytes_per_object"] =
      static_cast<double>(db.memory_bytes()) / static_cast<double>(kept_objects(db));
  state.counters["ratio"] = static_cast<double>(db.memory_bytes()) / dump_bytes;
  state.counters["routes"] = static_cast<double>(db.route_count() + db.route6_count());
  state.counters["as_sets"] = static_cast<double>(db.as_set_count());
}

void BM_LoadFileMemory(benchmark::State& state) {
  const std::vector<std::filesystem::path> dumps{dump_path()};
  for (auto _ : state) {
    const double rss_before = status_bytes("VmRSS");
    reset_peak();
    LoadReport report;
    auto db = IrrDatabase::load(dumps, report);
    if (!db) {
      state.SkipWithError(db.error().message.c_str());
      return;
    }
    const double rss_after = status_bytes("VmRSS");
    const double peak = status_bytes("VmHWM");
    const auto dump_bytes = static_cast<double>(report.bytes);
    set_memory_counters(state, **db, dump_bytes);
    state.counters["MB_per_s"] = benchmark::Counter(dump_bytes / 1e6, benchmark::Counter::kIsRate);
    state.counters["rss_delta_MB"] = (rss_after - rss_before) / 1e6;
    state.counters["rss_ratio"] = (rss_after - rss_before) / dump_bytes;
    state.counters["peak_delta_MB"] = (peak - rss_before) / 1e6;
    state.counters["skipped"] = static_cast<double>(report.skipped());
  }
}
BENCHMARK(BM_LoadFileMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Parse(benchmark::State& state) {
  const std::string& text = dump_text();
  CountingHandler handler;
  for (auto _ : state) {
    RpslParser parser(handler);
    parser.feed(text);
    parser.finish();
    benchmark::DoNotOptimize(parser.stats().objects);
  }
  const auto bytes = static_cast<double>(text.size()) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["MB_per_s"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsRate);
  state.counters["objects_per_s"] =
      benchmark::Counter(static_cast<double>(handler.objects), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);

void BM_ParseChunked(benchmark::State& state) {
  const std::string_view text = dump_text();
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  CountingHandler handler;
  for (auto _ : state) {
    RpslParser parser(handler);
    for (std::size_t pos = 0; pos < text.size(); pos += kPiece)
      parser.feed(text.substr(pos, kPiece));
    parser.finish();
    benchmark::DoNotOptimize(parser.stats().objects);
  }
  const auto bytes = static_cast<double>(text.size()) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["MB_per_s"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseChunked)->Unit(benchmark::kMillisecond);

void BM_LoadFromText(benchmark::State& state) {
  const std::string& text = dump_text();
  std::shared_ptr<const IrrDatabase> last;
  for (auto _ : state) {
    last.reset();
    auto db = IrrDatabase::from_text(text);
    if (!db) {
      state.SkipWithError(db.error().message.c_str());
      return;
    }
    last = *db;
  }
  const auto bytes = static_cast<double>(text.size()) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["MB_per_s"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsRate);
  set_memory_counters(state, *last, static_cast<double>(text.size()));
}
BENCHMARK(BM_LoadFromText)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace peerapi::sources::irr

BENCHMARK_MAIN();
