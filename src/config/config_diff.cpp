#include "config/config_diff.hpp"

#include <toml++/toml.h>
#include <set>
#include <sstream>

namespace peerapi::config {

namespace {

toml::table parse_or_empty(std::string_view text) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error&) {
    return {};
  }
}

/// Source positions are not part of a node's value: compare the re-written TOML text.
std::string text(const toml::node& node) {
  std::ostringstream out;
  out << toml::toml_formatter(node);
  return out.str();
}

void compare(const toml::table& before, const toml::table& after, const std::string& prefix,
             int depth, std::set<std::string>& out) {
  std::set<std::string> keys;
  for (const auto& [key, value] : before)
    keys.emplace(key.str());
  for (const auto& [key, value] : after)
    keys.emplace(key.str());
  for (const auto& key : keys) {
    const toml::node* a = before.get(key);
    const toml::node* b = after.get(key);
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (a == nullptr || b == nullptr) {
      out.insert(path);
    } else if (depth < 2 && a->is_table() && b->is_table()) {
      compare(*a->as_table(), *b->as_table(), path, depth + 1, out);
    } else if (text(*a) != text(*b)) {
      out.insert(path);
    }
  }
}

}  // namespace

std::vector<std::string> changed_keys(std::string_view before, std::string_view after) {
  std::set<std::string> out;
  compare(parse_or_empty(before), parse_or_empty(after), "", 1, out);
  return {out.begin(), out.end()};
}

}  // namespace peerapi::config
