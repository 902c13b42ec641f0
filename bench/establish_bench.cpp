// Issue 6, "Performance": time from `POST /sessions` to both sides `established`, target <= 10 s.
// The two-network world of the end-to-end test (tests/e2e/two_networks_world.hpp: A, AS64501,
// and B, AS64500, each with its BIRD 2 and its `peerapi serve` with [router], in two network
// namespaces joined by an IX LAN), started once for the run. Each iteration A asks B for one
// fresh session (`peerapi request AS64500 --location pdb:ix:1 --family 4|6 --wait`, families
// alternating; the previous session is deleted first, outside the timed part, and both routers
// have dropped it). Timed: from just before the request's process starts to both stores
// (B's and A's SQLite files) saying `established`.
//
//   Establish/as_rendered       peerapi's rendering as it is: no BGP timer set, so BIRD's
//                               `connect delay time` default (5 s, randomised to 3.75-5 s)
//                               applies before every outgoing connection attempt
//   Establish/connect_delay_1s  the same with `connect delay time 1;` in every BGP protocol
//                               (BIRD's minimum: it waits at least 1 s), the fast start a
//                               renderer option would give. The renderer has no such option and
//                               BIRD 2 has no default for it outside a protocol (a template only
//                               applies to `protocol bgp X from T`), so a birdc wrapper copies
//                               peerapi's config_dir before each `configure` and adds the line;
//                               BIRD loads the copy (WorldOptions::mirror_bird_config).
//   Establish/as_rendered_poll_5000ms
//                               as rendered, both servers restarted with [router]
//                               poll_interval_ms at its default, 5000 (the world's is 500)
//
// Every request starts right after A's server finished a pass (the wait for the previous
// session's removal ends on it), so A's side waits a full poll interval for A's next pass: the
// worst phase. A request at an arbitrary moment waits half of that on average.
//
// Counters (medians over the iterations; every iteration is printed on stderr), in ms, with
// t0 = just before the request, B = B's store, A = A's store, "later" = the later of the two:
//   post_ms       t0 -> B's sessions.created_at (process start, discovery, the POST itself)
//   apply_ms      t0 -> the later router_records.configured_at (B: a pass right after the POST;
//                 A: `request --wait` stores A's side, A's server puts it on A's router on its
//                 next pass, poll_interval_ms 500 here)
//   apply_b_ms    t0 -> B's configured_at alone
//   bgp_ms        the later configured_at -> the later established_at (per the daemon: BIRD
//                 reports the state's start in whole seconds, so this and poll_ms are +-1 s)
//   poll_ms       the later established_at -> the later history entry `established`
//   From the BIRD logs (millisecond timestamps, `debug protocols { states, events }`):
//   delay_ms      the later BIRD starting the protocol -> the connection attempt that came up
//                 (the connect delay timer)
//   handshake_ms  that attempt -> both BIRDs' protocol up (TCP, OPEN, KEEPALIVE)
//   seen_ms       both BIRDs up -> both stores' history entries `established` (the polling)
//   cli_ms        t0 -> `peerapi request --wait` exits (it polls B every --interval, 5 s)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <expected>
#include <iostream>
#include <sstream>
#include <thread>

#include "e2e/e2e_world.hpp"
#include "e2e/two_networks_world.hpp"
#include "render/behaviour/lab.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace lab = peerapi::testing::lab;
namespace e2e = peerapi::testing::e2e;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ms_since(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

// ---- BIRD's log --------------------------------------------------------------------------

/// What one BIRD logged about one protocol from `since_ms` on (Unix ms).
struct ProtocolEvents {
  std::optional<std::int64_t> start;       // "State changed to start"
  std::optional<std::int64_t> up;          // "State changed to up"
  std::optional<std::int64_t> connecting;  // the last "Connecting to ..." before up
  std::optional<int> delay_seconds;        // the last "Connect delayed by N seconds"
};

/// The Unix ms of a log line stamped "YYYY-MM-DD HH:MM:SS.mmm" (`timeformat log iso long ms`,
/// local time).
std::optional<std::int64_t> log_time_ms(const std::string& line) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(line.c_str(), "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  const std::time_t seconds = std::mktime(&tm);
  if (seconds == -1)
    return std::nullopt;
  return std::int64_t{seconds} * 1000 + ms;
}

ProtocolEvents protocol_events(const std::string& log, const std::string& protocol,
                               std::int64_t since_ms) {
  ProtocolEvents events;
  const std::string prefix = protocol + ": ";
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = log_time_ms(line);
    const auto message_at = line.find("> ");
    if (!at || *at < since_ms || message_at == std::string::npos)
      continue;
    const std::string_view message = std::string_view(line).substr(message_at + 2);
    if (!message.starts_with(prefix))
      continue;
    const std::string_view event = message.substr(prefix.size());
    if (event == "State changed to start" && !events.start) {
      events.start = at;
    } else if (event == "State changed to up" && !events.up) {
      events.up = at;
    } else if (event.starts_with("Connecting to ") && !events.up) {
      events.connecting = at;
    } else if (event.starts_with("Connect delayed by ") && !events.up) {
      events.delay_seconds = std::atoi(std::string(event.substr(19)).c_str());
    }
  }
  return events;
}

// ---- one establishment ---------------------------------------------------------------------

struct Figures {
  double total_ms = 0;
  double post_ms = 0;
  double apply_ms = 0;
  double apply_b_ms = 0;
  double bgp_ms = 0;
  double poll_ms = 0;
  double delay_ms = 0;
  double handshake_ms = 0;
  double seen_ms = 0;
  double cli_ms = 0;
  int family = 4;
  int connect_delay_s = 0;  // as BIRD logged it ("Connect delayed by N seconds")
};

struct Bench {
  std::unique_ptr<e2e::World> world;
  std::unique_ptr<e2e::StoreFile> a_store;
  std::unique_ptr<e2e::StoreFile> b_store;
  std::string error;
  int requests = 0;
  int poll_interval_ms = 500;                           // both servers' [router] poll_interval_ms
  std::optional<std::pair<std::string, int>> previous;  // the last session and its family
};

Bench* the_bench = nullptr;

const char* a_address(int family) {
  return family == 4 ? e2e::kAv4 : e2e::kAv6;
}
const char* b_address(int family) {
  return family == 4 ? e2e::kBv4 : e2e::kBv6;
}

/// Deletes the previous session (A's `peerapi delete`) and waits until both routers dropped it.
std::string delete_previous(Bench& bench) {
  if (!bench.previous)
    return "";
  const auto [id, family] = *bench.previous;
  e2e::World& world = *bench.world;
  const e2e::PeerapiRun deletion = e2e::run_peerapi_in(
      world.ns_a(), {"delete", "--config", world.a().config.string(), "--json", id}, world.root());
  if (deletion.exit_code != 0)
    return "peerapi delete " + id + ": " + deletion.describe();
  const bool dropped = lab::wait_until(30s, [&] {
    return !world.b().protocol_to(a_address(family)) && world.b().session_files(id).empty() &&
           !world.a().protocol_to(b_address(family)) && world.a().session_files(id).empty();
  });
  if (!dropped)
    return "session " + id + " still on a router 30 s after its deletion" + world.diagnostics();
  bench.previous.reset();
  return "";
}

std::string protocol_name(const e2e::Network& network, const std::string& id) {
  const auto files = network.session_files(id);
  return files.size() == 1 ? files.front().stem().string() : "";
}

std::expected<Figures, std::string> establish_once(Bench& bench, int family) {
  e2e::World& world = *bench.world;
  if (auto error = delete_previous(bench); !error.empty())
    return std::unexpected(error);
  const std::int64_t seq_before = bench.b_store->last_seq();
  const int number = ++bench.requests;

  // ---- timed: the request until both stores say established ----
  const std::int64_t t0_ms = unix_ms();
  const auto t0 = SteadyClock::now();
  lab::Process request(
      "request-" + std::to_string(number),
      {PEERAPI_BINARY, "request", "AS64500", "--config", world.a().config.string(), "--location",
       "pdb:ix:1", "--family", std::to_string(family), "--wait", "--timeout", "60", "--json"},
      world.ns_a(), world.root() / ("request-" + std::to_string(number) + ".out"), world.root());
  if (!request.start_error().empty())
    return std::unexpected("peerapi request: " + request.start_error());
  std::string id;
  std::string a_status;
  std::string b_status;
  bool established = false;
  while (ms_since(t0) < 60'000) {
    if (id.empty())
      id = bench.b_store->session_after(seq_before).value_or("");
    if (!id.empty()) {
      b_status = bench.b_store->status(id).value_or("(none)");
      a_status = bench.a_store->status(id).value_or("(none)");
      if (a_status == "established" && b_status == "established") {
        established = true;
        break;
      }
    } else if (!request.running()) {
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  Figures figures;
  figures.total_ms = ms_since(t0);
  figures.family = family;
  // ---- not timed ----
  if (!id.empty())
    bench.previous = std::pair{id, family};
  if (!established) {
    return std::unexpected("session " + (id.empty() ? "(none at B)" : id) + " not established" +
                           " on both sides within 60 s (A " + a_status + ", B " + b_status +
                           "); peerapi request:\n" + e2e::tail(request.output()) +
                           world.diagnostics());
  }
  if (!lab::wait_until(
          70s, [&] { return !request.running(); }, 10ms))
    return std::unexpected("peerapi request --wait did not finish:\n" + request.output());
  figures.cli_ms = ms_since(t0);
  e2e::PeerapiRun run;
  run.exit_code = request.exit_code().value_or(-1);
  run.out = request.output();
  const auto document = run.json();
  if (run.exit_code != 0 || !document || !document->is_object() ||
      !document->as_object().contains("wait") ||
      !document->as_object().at("wait").as_object().at("all_established").as_bool())
    return std::unexpected("peerapi request --wait: " + run.describe());

  const auto b_times = bench.b_store->router_times(id);
  const auto a_times = bench.a_store->router_times(id);
  const auto b_seen = bench.b_store->history_at(id, "established");
  const auto a_seen = bench.a_store->history_at(id, "established");
  const auto created = bench.b_store->created_at(id);
  if (!b_times || !a_times || !b_times->configured_at || !a_times->configured_at ||
      !b_times->established_at || !a_times->established_at || !b_seen || !a_seen || !created)
    return std::unexpected("session " + id + ": the stores lack router records or history");
  const auto configured = std::max(*b_times->configured_at, *a_times->configured_at);
  const auto up = std::max(*b_times->established_at, *a_times->established_at);
  const auto seen = std::max(*b_seen, *a_seen);
  figures.post_ms = static_cast<double>(*created - t0_ms);
  figures.apply_ms = static_cast<double>(configured - t0_ms);
  figures.apply_b_ms = static_cast<double>(*b_times->configured_at - t0_ms);
  figures.bgp_ms = static_cast<double>(up - configured);
  figures.poll_ms = static_cast<double>(seen - up);

  const std::string a_protocol = protocol_name(world.a(), id);
  const std::string b_protocol = protocol_name(world.b(), id);
  const ProtocolEvents at_a = protocol_events(world.a().bird->log(), a_protocol, t0_ms);
  const ProtocolEvents at_b = protocol_events(world.b().bird->log(), b_protocol, t0_ms);
  if (!at_a.start || !at_b.start || !at_a.up || !at_b.up || !(at_a.connecting || at_b.connecting))
    return std::unexpected("session " + id + ": BIRD's log lacks the protocol's events (" +
                           a_protocol + " at A, " + b_protocol + " at B)");
  const std::int64_t later_start = std::max(*at_a.start, *at_b.start);
  const std::int64_t bird_up = std::max(*at_a.up, *at_b.up);
  const std::int64_t connecting =
      std::max(at_a.connecting.value_or(0), at_b.connecting.value_or(0));
  figures.delay_ms = static_cast<double>(connecting - later_start);
  figures.handshake_ms = static_cast<double>(bird_up - connecting);
  figures.seen_ms = static_cast<double>(seen - bird_up);
  figures.connect_delay_s =
      std::max(at_a.delay_seconds.value_or(0), at_b.delay_seconds.value_or(0));
  return figures;
}

/// Restarts both servers with [router] poll_interval_ms = `ms` (unless they run with it) and
/// waits until each holds its router's lease again.
std::string use_poll_interval(Bench& bench, int ms) {
  if (bench.poll_interval_ms == ms)
    return "";
  if (auto error = delete_previous(bench); !error.empty())
    return error;
  e2e::World& world = *bench.world;
  for (e2e::Network* network : {&world.a(), &world.b()}) {
    std::string text = network->label == "a" ? world.a_config() : world.b_config(3600);
    const std::string from = "poll_interval_ms = " + std::to_string(bench.poll_interval_ms);
    const auto at = text.find(from);
    if (at == std::string::npos)
      return "no " + from + " in " + network->label + "'s configuration";
    text.replace(at, from.size(), "poll_interval_ms = " + std::to_string(ms));
    const fs::path config =
        network->dir / (network->label + "-poll-" + std::to_string(ms) + ".toml");
    peerapi::testing::write_file(config, text);
    network->serve->stop();
    if (auto error = world.start_serve(*network, config); !error.empty())
      return error;
    e2e::StoreFile& store = network->label == "a" ? *bench.a_store : *bench.b_store;
    if (!lab::wait_until(10s, [&] { return store.lease_until(network->label) > unix_ms(); }))
      return network->label + "'s restarted server did not take its router's lease";
  }
  bench.poll_interval_ms = ms;
  return "";
}

// ---- the benchmark -------------------------------------------------------------------------

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Column {
  const char* name;
  double Figures::*member;
};

constexpr Column kColumns[] = {
    {"total_ms", &Figures::total_ms}, {"post_ms", &Figures::post_ms},
    {"apply_ms", &Figures::apply_ms}, {"apply_b_ms", &Figures::apply_b_ms},
    {"bgp_ms", &Figures::bgp_ms},     {"poll_ms", &Figures::poll_ms},
    {"delay_ms", &Figures::delay_ms}, {"handshake_ms", &Figures::handshake_ms},
    {"seen_ms", &Figures::seen_ms},   {"cli_ms", &Figures::cli_ms}};

void print_row(const std::string& label, const Figures& f) {
  std::fprintf(stderr, "  %-10s", label.c_str());
  for (const auto& column : kColumns)
    std::fprintf(stderr, " %s %6.0f", column.name, f.*column.member);
  std::fprintf(stderr, "\n");
}

/// What a benchmark runs: BIRD's connect delay (0: as rendered) and the servers' poll interval.
struct Variant {
  int connect_delay_s = 0;
  int poll_interval_ms = 500;
};

void BM_Establish(benchmark::State& state, Variant variant) {
  Bench& bench = *the_bench;
  if (!bench.error.empty()) {
    state.SkipWithError(bench.error.c_str());
    return;
  }
  bench.world->set_connect_delay(
      variant.connect_delay_s > 0 ? std::optional(variant.connect_delay_s) : std::nullopt);
  if (auto error = use_poll_interval(bench, variant.poll_interval_ms); !error.empty()) {
    std::cerr << "establish_bench: " << error << "\n";
    state.SkipWithError(error.substr(0, 2000).c_str());
    return;
  }
  std::vector<Figures> all;
  for (auto _ : state) {
    const int family = bench.requests % 2 == 0 ? 4 : 6;
    auto figures = establish_once(bench, family);
    if (!figures) {
      std::cerr << "establish_bench: " << figures.error() << "\n";
      state.SkipWithError(figures.error().substr(0, 2000).c_str());
      break;
    }
    state.SetIterationTime(figures->total_ms / 1000.0);
    all.push_back(*figures);
    print_row("IPv" + std::to_string(family) + " " + std::to_string(figures->connect_delay_s) + "s",
              *figures);
  }
  if (all.empty())
    return;
  std::fprintf(stderr,
               "  %s, poll_interval_ms %d: %zu sessions (BIRD logged \"Connect delayed by %d "
               "seconds\"):\n",
               variant.connect_delay_s > 0
                   ? ("connect delay time " + std::to_string(variant.connect_delay_s)).c_str()
                   : "as rendered",
               variant.poll_interval_ms, all.size(), all.back().connect_delay_s);
  for (const auto& column : kColumns) {
    std::vector<double> values;
    for (const auto& f : all)
      values.push_back(f.*column.member);
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    std::fprintf(stderr, "    %-13s median %6.0f  range %6.0f .. %6.0f\n", column.name,
                 median(values), *low, *high);
    if (column.member != &Figures::total_ms)
      state.counters[column.name] = median(values);
  }
}
BENCHMARK_CAPTURE(BM_Establish, as_rendered, Variant{.connect_delay_s = 0, .poll_interval_ms = 500})
    ->Name("Establish/as_rendered")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_Establish, connect_delay_1s,
                  Variant{.connect_delay_s = 1, .poll_interval_ms = 500})
    ->Name("Establish/connect_delay_1s")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
// The servers' default poll interval (docs/lifecycle.md): A's side waits for A's next pass.
BENCHMARK_CAPTURE(BM_Establish, as_rendered_poll_5s,
                  Variant{.connect_delay_s = 0, .poll_interval_ms = 5000})
    ->Name("Establish/as_rendered_poll_5000ms")
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

void skipped(const std::string& why) {
  std::cerr << "\n************************************************************************\n"
            << "*** establish_bench SKIPPED: " << why << "\n"
            << "************************************************************************\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string why_not = lab::acquire_netns_privilege();
  benchmark::Initialize(&argc, argv);
  if (!why_not.empty()) {
    skipped("no network namespaces here: " + why_not);
    return 0;
  }
  if (const auto missing = e2e::missing_programs(); !missing.empty()) {
    std::string names;
    for (const auto& name : missing)
      names += (names.empty() ? "" : ", ") + name;
    skipped(names + " not installed (scripts/install-deps installs bird2, stayrtr, iproute2)");
    return 0;
  }
  Bench bench;
  bench.world = std::make_unique<e2e::World>(e2e::WorldOptions{
      .b_time_window_seconds = 3600, .trace_bgp = true, .mirror_bird_config = true});
  const auto started = SteadyClock::now();
  bench.error = bench.world->start();
  if (bench.error.empty()) {
    bench.a_store = std::make_unique<e2e::StoreFile>(bench.world->a().store());
    bench.b_store = std::make_unique<e2e::StoreFile>(bench.world->b().store());
    if (!bench.a_store->error().empty() || !bench.b_store->error().empty())
      bench.error = "the stores: " + bench.a_store->error() + " " + bench.b_store->error();
  } else {
    bench.error =
        "the two-network world did not start: " + bench.error + bench.world->diagnostics();
    std::cerr << "establish_bench: " << bench.error << "\n";
  }
  std::fprintf(stderr, "establish_bench: world up after %.1f s\n", ms_since(started) / 1000);
  the_bench = &bench;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  the_bench = nullptr;
  return bench.error.empty() ? 0 : 1;
}
