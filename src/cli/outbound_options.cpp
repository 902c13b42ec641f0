#include "cli/outbound_options.hpp"

#include <utility>

#include "config/config.hpp"
#include "model/ip.hpp"
#include "server/auth_setup.hpp"

namespace peerapi::cli {

void add_outbound_options(CLI::App& command, OutboundOptions& options) {
  command.add_option("--config,-c", options.config_file,
                     "configuration whose [outbound] decides which servers may be reached "
                     "(default: globally reachable addresses only)");
  command.add_flag("--allow-loopback", options.allow_loopback,
                   "let the server be on 127.0.0.0/8 or ::1 (a local server; tests)");
  command.add_option("--allow-prefix", options.allow_prefixes,
                     "let the server be in this CIDR range although it is not globally "
                     "reachable (repeatable), e.g. 10.0.0.0/8");
}

Result<net::OutboundPolicy> outbound_policy_of(const OutboundOptions& options) {
  net::OutboundPolicy policy;
  if (!options.config_file.empty()) {
    auto config = config::load_config(options.config_file);
    if (!config)
      return fail(ErrorCode::config_invalid, "--config", config::describe(config.error()));
    policy = server::outbound_policy(config->outbound);
  }
  policy.allow_loopback_http = policy.allow_loopback_http || options.allow_loopback;
  for (const std::string& text : options.allow_prefixes) {
    auto prefix = model::Prefix::parse(text, "--allow-prefix");
    if (!prefix)
      return std::unexpected(prefix.error());
    policy.allowed_prefixes.push_back(*prefix);
  }
  return policy;
}

Error with_flag_hint(Error error) {
  if (error.code == ErrorCode::io_error && error.message.find(": refused: ") != std::string::npos)
    error.message += " (here: --config FILE, --allow-loopback or --allow-prefix CIDR)";
  return error;
}

}  // namespace peerapi::cli
