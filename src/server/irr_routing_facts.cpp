#include "server/irr_routing_facts.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "sources/irr/expand.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

std::string as_set_of(model::Asn asn, const sources::peeringdb::Network* network) {
  if (network != nullptr) {
    const std::string& named = network->irr_as_set;
    const auto start = named.find_first_not_of(" ,\t");
    if (start != std::string::npos) {
      const auto end = named.find_first_of(" ,\t", start);
      return named.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
  }
  return asn.to_string();
}

IrrRoutingFacts::IrrRoutingFacts(config::IrrSourceSection config, RouteValidator validator)
    : config_(std::move(config)), validator_(std::move(validator)) {}

Result<sources::irr::IrrdEndpoint> checked_source_endpoint(
    std::string_view text, std::string_view field, const net::OutboundPolicy& outbound,
    std::shared_ptr<net::Resolver>& resolver) {
  auto endpoint = sources::irr::IrrdEndpoint::parse(text, field);
  if (!endpoint)
    return std::unexpected(endpoint.error());
  if (!resolver)
    resolver = std::make_shared<net::SystemResolver>();
  auto checked = net::check_endpoint(endpoint->host, endpoint->port, field, outbound, *resolver);
  if (!checked && checked.error().code != ErrorCode::unavailable)
    return std::unexpected(checked.error());
  if (!checked)
    spdlog::warn("{}: {} (retried before each connection)", checked.error().field,
                 checked.error().message);
  return endpoint;
}

Result<std::unique_ptr<IrrRoutingFacts>> IrrRoutingFacts::create(
    const config::IrrSourceSection& config, RouteValidator validator,
    const net::OutboundPolicy& outbound, std::shared_ptr<net::Resolver> resolver) {
  std::unique_ptr<IrrRoutingFacts> facts(new IrrRoutingFacts(config, std::move(validator)));
  if (!config.irrd.empty()) {
    constexpr std::string_view kField = "sources.irr.irrd";
    auto endpoint = checked_source_endpoint(config.irrd, kField, outbound, resolver);
    if (!endpoint)
      return std::unexpected(endpoint.error());
    sources::irr::IrrdClientOptions options;
    options.server = *endpoint;
    options.sources = config.sources;
    options.read_timeout = std::chrono::milliseconds(10000);
    options.outbound = outbound;
    options.resolver = std::move(resolver);
    options.field = std::string(kField);
    facts->irrd_ = std::make_unique<sources::irr::IrrdClient>(std::move(options));
    facts->state_.succeeded(util::SystemClock().now_ms());
    return facts;
  }
  if (auto loaded = facts->reload(); !loaded)
    return std::unexpected(loaded.error());
  return facts;
}

IrrRoutingFacts::~IrrRoutingFacts() {
  {
    const std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (refresher_.joinable())
    refresher_.join();
}

Result<void> IrrRoutingFacts::reload() {
  sources::irr::LoadReport report;
  auto database = sources::irr::IrrDatabase::load(config_.dumps, report);
  if (!database)
    return std::unexpected(database.error());
  spdlog::info("IRR: {} route, {} route6, {} as-set objects from {} dump(s); {} skipped",
               (*database)->route_count(), (*database)->route6_count(), (*database)->as_set_count(),
               config_.dumps.size(), report.skipped());
  database_.store(std::move(*database));
  state_.succeeded(util::SystemClock().now_ms());
  return {};
}

void IrrRoutingFacts::start_refresh() {
  if (irrd_ != nullptr || refresher_.joinable())
    return;
  refresher_ = std::thread([this] {
    std::unique_lock lock(stop_mutex_);
    while (!stop_signal_.wait_for(lock, std::chrono::seconds(config_.refresh_seconds),
                                  [this] { return stopping_; })) {
      lock.unlock();
      if (auto loaded = reload(); !loaded) {
        state_.failed();
        spdlog::warn("IRR reload failed, keeping the loaded data: {}", loaded.error().message);
      }
      lock.lock();
    }
  });
}

Result<policy::IrrFacts> IrrRoutingFacts::irr_facts(model::Asn asn,
                                                    const sources::peeringdb::Network* network) {
  if (irrd_ != nullptr) {
    const std::lock_guard lock(irrd_mutex_);
    auto facts = facts_from(*irrd_, asn, network);
    if (facts)
      state_.succeeded(util::SystemClock().now_ms());
    else
      state_.failed();
    return facts;
  }
  const std::shared_ptr<sources::irr::IrrDatabase> database = database_.load();
  return facts_from(*database, asn, network);
}

void IrrRoutingFacts::with_source(const std::function<void(sources::irr::IrrSource&)>& use) {
  if (irrd_) {
    const std::lock_guard lock(irrd_mutex_);
    use(*irrd_);
    return;
  }
  const std::shared_ptr<sources::irr::IrrDatabase> database = database_.load();
  use(*database);
}

Result<policy::IrrFacts> IrrRoutingFacts::facts_from(sources::irr::IrrSource& source,
                                                     model::Asn asn,
                                                     const sources::peeringdb::Network* network) {
  policy::IrrFacts facts;
  facts.as_set = as_set_of(asn, network);
  auto expansion = sources::irr::expand_as_set(source, facts.as_set, {});
  if (!expansion) {
    if (expansion.error().code == ErrorCode::not_found ||
        expansion.error().code == ErrorCode::invalid_value)
      return facts;  // not expanded: the policy says so with irr_as_set_missing
    return std::unexpected(expansion.error());
  }
  facts.member_asns = expansion->asns.size();
  facts.expanded = !expansion->asns.empty();
  policy::RovTally tally;
  bool validated = static_cast<bool>(validator_);
  for (const model::Asn origin : expansion->asns) {
    for (const model::IpFamily family : {model::IpFamily::v4, model::IpFamily::v6}) {
      auto routes = source.origin_prefixes(origin, family);
      if (!routes)
        return std::unexpected(routes.error());
      facts.routes += routes->size();
      if (!validated)
        continue;
      for (const model::Prefix& route : *routes) {
        const auto state = validator_(route, origin);
        if (!state) {
          validated = false;  // no VRPs loaded yet: the policy holds for review
          break;
        }
        switch (*state) {
          case RouteState::valid:
            ++tally.valid;
            break;
          case RouteState::invalid:
            ++tally.invalid;
            break;
          case RouteState::not_found:
            ++tally.not_found;
            break;
        }
      }
    }
  }
  if (validated)
    facts.rov = tally;
  return facts;
}

}  // namespace peerapi::server
