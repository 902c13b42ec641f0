// Who is calling and which ASNs it may act for: the one output of authentication
// (DESIGN.md "auth/"), checked by every endpoint.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "model/asn.hpp"

namespace peerapi::auth {

struct Principal {
  std::string subject;  // stable identity, e.g. "noc@as64501.example"
  std::string issuer;   // "static" for configured tokens, else the token issuer
  std::optional<std::string> email;
  std::vector<model::Asn> asns;

  [[nodiscard]] bool may_act_for(model::Asn asn) const {
    return std::find(asns.begin(), asns.end(), asn) != asns.end();
  }
};

}  // namespace peerapi::auth
