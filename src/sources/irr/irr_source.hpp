// Where IRR data is looked up: a loaded RPSL dump (`IrrDatabase`) or an IRRd server over the
// IRRd query protocol (`IrrdClient`). AS-SET expansion and prefix-list building (expand.hpp) are
// written once against this interface.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::sources::irr {

class IrrSource {
 public:
  IrrSource() = default;
  IrrSource(const IrrSource&) = delete;
  IrrSource& operator=(const IrrSource&) = delete;
  virtual ~IrrSource() = default;

  /// The direct `members:` of the as-set `name` (RFC 2622 section 5.1; case-insensitive name,
  /// optionally source-qualified as "RIPE::AS-FOO"), each as written upper-cased: "AS64501" or
  /// a set name. Error `not_found` (field "as_set") when no such set exists; `unavailable` when
  /// the source cannot answer (IRRd down).
  virtual Result<std::vector<std::string>> as_set_members(std::string_view name) = 0;

  /// The prefixes of the route (IPv4) or route6 (IPv6) objects whose `origin:` is `origin`,
  /// sorted and without duplicates; empty when there are none.
  virtual Result<std::vector<model::Prefix>> origin_prefixes(model::Asn origin,
                                                             model::IpFamily family) = 0;
};

}  // namespace peerapi::sources::irr
