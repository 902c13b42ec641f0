// Reading a Prometheus text exposition (as /metrics answers it) in tests.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace peerapi::testing {

/// Every sample of a text exposition, keyed by its series ("name{labels}" as written);
/// comment lines (# HELP, # TYPE) and blank lines are skipped.
inline std::map<std::string, double> exposition_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() == '#')
      continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace peerapi::testing
