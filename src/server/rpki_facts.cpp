#include "server/rpki_facts.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "sources/irr/irrd_client.hpp"
#include "sources/rpki/vrp_json.hpp"

namespace peerapi::server {

RpkiFacts::RpkiFacts(config::RpkiSourceSection config) : config_(std::move(config)) {}

Result<std::unique_ptr<RpkiFacts>> RpkiFacts::create(const config::RpkiSourceSection& config,
                                                     const util::Clock& clock,
                                                     const net::OutboundPolicy& outbound,
                                                     std::shared_ptr<net::Resolver> resolver) {
  std::unique_ptr<RpkiFacts> facts(new RpkiFacts(config));
  facts->clock_ = &clock;
  if (!config.rtr.empty()) {
    constexpr std::string_view kField = "sources.rpki.rtr";
    // The same "host:port" syntax as an IRRd server ([v6]:port for IPv6 literals).
    auto endpoint = checked_source_endpoint(config.rtr, kField, outbound, resolver);
    if (!endpoint)
      return std::unexpected(endpoint.error());
    sources::rpki::RtrClientOptions options;
    options.host = endpoint->host;
    options.port = endpoint->port;
    options.outbound = outbound;
    options.resolver = std::move(resolver);
    options.field = std::string(kField);
    facts->rtr_ = std::make_unique<sources::rpki::RtrClient>(std::move(options), clock);
    facts->rtr_->start();
    return facts;
  }
  if (auto loaded = facts->reload_file(); !loaded)
    return std::unexpected(loaded.error());
  facts->refresher_ = std::thread([raw = facts.get()] {
    std::unique_lock lock(raw->stop_mutex_);
    while (!raw->stop_signal_.wait_for(lock, std::chrono::seconds(raw->config_.refresh_seconds),
                                       [raw] { return raw->stopping_; })) {
      lock.unlock();
      if (auto reloaded = raw->reload_file(); !reloaded) {
        raw->file_state_.failed();
        spdlog::warn("VRP reload failed, keeping the loaded VRPs: {}", reloaded.error().message);
      }
      lock.lock();
    }
  });
  return facts;
}

RpkiFacts::~RpkiFacts() {
  {
    const std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (refresher_.joinable())
    refresher_.join();
  if (rtr_ != nullptr)
    rtr_->stop();
}

Result<void> RpkiFacts::reload_file() {
  sources::rpki::VrpLoadReport report;
  auto vrps = sources::rpki::load_vrp_file(config_.vrps, report);
  if (!vrps)
    return std::unexpected(vrps.error());
  auto table = sources::rpki::VrpTable::build(std::move(*vrps));
  spdlog::info("RPKI: {} VRPs ({} IPv4, {} IPv6) from {}", table->size(), table->ipv4_count(),
               table->ipv6_count(), config_.vrps.string());
  file_table_.store(std::move(table));
  file_state_.succeeded(clock_->now_ms());
  return {};
}

SourceState RpkiFacts::source_state() const {
  if (rtr_ == nullptr)
    return file_state_.get();
  const auto status = rtr_->status();
  return SourceState{.up = status.has_data, .last_success_ms = status.last_update_ms};
}

std::shared_ptr<const sources::rpki::VrpTable> RpkiFacts::table() const {
  if (rtr_ == nullptr)
    return file_table_.load();
  if (!rtr_->status().has_data)
    return nullptr;
  return rtr_->current();
}

RouteValidator RpkiFacts::validator() {
  return [this](const model::Prefix& route, model::Asn origin) -> std::optional<RouteState> {
    const auto vrps = table();
    if (vrps == nullptr)
      return std::nullopt;
    switch (vrps->validate(route, origin)) {
      case sources::rpki::RovState::valid:
        return RouteState::valid;
      case sources::rpki::RovState::invalid:
        return RouteState::invalid;
      case sources::rpki::RovState::not_found:
        return RouteState::not_found;
    }
    return std::nullopt;
  };
}

}  // namespace peerapi::server
