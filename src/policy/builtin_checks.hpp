// The checks every requested session passes before any operator policy (draft section 4.2
// "receiver's expected actions"; docs/wire.md "POST /sessions"). Pure: values in, reasons out.
#pragma once

#include <span>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/session.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::policy {

struct CheckContext {
  std::span<const model::Asn> server_asns;  // the networks this server speaks for
  std::span<const model::Asn> caller_asns;  // the networks the caller may act for
  const sources::peeringdb::Snapshot& peeringdb;
};

/// For each entry of `sessions` (nullptr entries, which failed decoding, are skipped and get no
/// reasons), the reasons it cannot be accepted; empty means acceptable. Field paths are
/// relative to the session ("local_ip", "location.id"). Every failing check is reported, not
/// only the first. A later session equal to an earlier one (same local/peer ASN and IP and
/// location) is a `duplicate_in_request`.
std::vector<std::vector<Error>> check_sessions(
    std::span<const model::SessionRequest* const> sessions, const CheckContext& context);

}  // namespace peerapi::policy
