// The cap on pending sessions per requesting ASN (RequestDraft::max_pending_per_local_asn,
// docs/security.md "Pending cap"), counted the same way by every backend inside
// create_request's write transaction, where no other request can commit in between.
#pragma once

#include <cstdint>
#include <map>

#include "model/error.hpp"
#include "store/store.hpp"

namespace peerapi::store {

/// Sets checks.over_pending_cap[i] for every candidate that would be stored pending (and is not
/// a duplicate) while its local_asn already has draft.max_pending_per_local_asn pending sessions:
/// those stored, from `count_stored_pending(asn)` (called once per ASN, returning
/// Result<std::int64_t>), plus the draft's earlier candidates under the cap. Does nothing when the
/// cap is 0. Returns the first counting error.
template <typename CountStoredPending>
Result<void> mark_over_pending_cap(const RequestDraft& draft, CandidateChecks& checks,
                                   CountStoredPending&& count_stored_pending) {
  if (draft.max_pending_per_local_asn <= 0)
    return {};
  std::map<std::uint32_t, std::int64_t> pending;  // by local_asn
  for (std::size_t i = 0; i < draft.candidates.size(); ++i) {
    const model::Session& candidate = draft.candidates[i];
    if (checks.duplicate[i] || candidate.status != model::SessionStatus::pending)
      continue;
    const std::uint32_t asn = candidate.fields.local_asn.value();
    auto so_far = pending.find(asn);
    if (so_far == pending.end()) {
      Result<std::int64_t> stored = count_stored_pending(asn);
      if (!stored)
        return std::unexpected(stored.error());
      so_far = pending.emplace(asn, *stored).first;
    }
    if (so_far->second >= draft.max_pending_per_local_asn)
      checks.over_pending_cap[i] = true;
    else
      ++so_far->second;
  }
  return {};
}

}  // namespace peerapi::store
