// PeeringDB objects as an immutable, indexed, read-only view (DESIGN.md "sources/").
//
// Input format: one JSON document per object type, exactly the body PeeringDB's API returns for
// `GET /api/<type>` ({"meta": {...}, "data": [...]}) with PeeringDB's field names. A snapshot
// directory holds `org.json, net.json, ix.json, ixlan.json, ixpfx.json, netixlan.json, fac.json,
// netfac.json, poc.json`; a missing file means no objects of that type. A live PeeringDB sync
// (later) feeds the same `SnapshotBuilder` with the documents it downloads.
//
// Bad rows (wrong types, bad addresses, dangling references) are reported and skipped; the rest
// loads. Rows whose `status` is not "ok" are PeeringDB's deleted/pending objects and are skipped
// silently (counted).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::sources::peeringdb {

/// The PeeringDB object types a snapshot holds, in dependency order (a type only refers to types
/// before it). Each is read from `<type>.json`.
inline constexpr std::array<std::string_view, 9> kObjectTypes = {
    "org", "net", "ix", "fac", "ixlan", "ixpfx", "netixlan", "netfac", "poc"};
/// A document larger than this is refused (data_invalid) rather than parsed.
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{512} << 20;
/// JSON nesting deeper than this is refused (data_invalid); a PeeringDB API body nests 4-5 levels.
inline constexpr std::size_t kMaxJsonDepth = 64;

struct Organization {
  std::uint32_t id = 0;
  std::string name;
};

struct Network {
  std::uint32_t id = 0;
  std::uint32_t org_id = 0;
  model::Asn asn;
  std::string name;
  std::string irr_as_set;                       // "" when unset
  std::optional<std::uint32_t> info_prefixes4;  // absent when PeeringDB has null
  std::optional<std::uint32_t> info_prefixes6;
  std::string policy_general;  // "Open", "Selective", "Restrictive", "No"
  std::string info_type;
};

struct InternetExchange {
  std::uint32_t id = 0;
  std::uint32_t org_id = 0;
  std::string name;
  std::string name_long;
  std::string city;
  std::string country;  // ISO 3166-1 alpha-2
};

struct IxLan {
  std::uint32_t id = 0;
  std::uint32_t ix_id = 0;
  std::string name;
};

struct IxPrefix {
  std::uint32_t id = 0;
  std::uint32_t ixlan_id = 0;
  model::Prefix prefix;
};

/// A network's port on an IX LAN (PeeringDB "netixlan").
struct NetIxLan {
  std::uint32_t id = 0;
  std::uint32_t net_id = 0;
  std::uint32_t ix_id = 0;
  std::uint32_t ixlan_id = 0;
  model::Asn asn;
  std::optional<model::IpAddress> ipaddr4;
  std::optional<model::IpAddress> ipaddr6;
  std::uint32_t speed = 0;  // Mbit/s
  bool is_rs_peer = false;
  bool operational = true;
};

struct Facility {
  std::uint32_t id = 0;
  std::uint32_t org_id = 0;
  std::string name;
  std::string city;
  std::string country;
};

struct NetFac {
  std::uint32_t id = 0;
  std::uint32_t net_id = 0;
  std::uint32_t fac_id = 0;
  model::Asn local_asn;
};

struct Contact {  // PeeringDB "poc"
  std::uint32_t id = 0;
  std::uint32_t net_id = 0;
  std::string role;  // "Abuse", "Technical", "Policy", "NOC", ...
  std::string name;
  std::string email;
  std::string visible;  // "Public", "Users", "Private"
};

/// What an import did, per object type ("net", "ix", ...).
struct ImportReport {
  struct TypeCounts {
    std::size_t loaded = 0;
    std::size_t skipped_bad = 0;       // invalid rows, each described in `problems`
    std::size_t skipped_inactive = 0;  // status != "ok"
  };
  /// At most this many problems are listed; the rest are only counted.
  static constexpr std::size_t kMaxProblems = 1000;

  std::map<std::string, TypeCounts> types;  // every type of kObjectTypes after build()
  std::vector<std::string> problems;    // "netixlan.json: data[3] (id 12): ipaddr4: ..." (capped)
  std::size_t problems_not_listed = 0;  // problems beyond kMaxProblems
  [[nodiscard]] std::size_t total_loaded() const;
};

/// The indexed, immutable view. Cheap to share (`std::shared_ptr<const Snapshot>`); a refresh
/// builds a new one and swaps the pointer.
class Snapshot {
 public:
  [[nodiscard]] const Network* network_by_asn(model::Asn asn) const;
  [[nodiscard]] const Network* network(std::uint32_t net_id) const;
  [[nodiscard]] const Organization* organization(std::uint32_t org_id) const;
  [[nodiscard]] const InternetExchange* exchange(std::uint32_t ix_id) const;
  [[nodiscard]] const IxLan* ixlan(std::uint32_t ixlan_id) const;
  [[nodiscard]] const Facility* facility(std::uint32_t fac_id) const;

  /// The network's ports at one IX (every ixlan of that IX), sorted by netixlan id.
  [[nodiscard]] std::vector<const NetIxLan*> ports(model::Asn asn, std::uint32_t ix_id) const;
  /// IX ids where the network has at least one port, ascending.
  [[nodiscard]] std::vector<std::uint32_t> exchanges_of(model::Asn asn) const;
  /// Facility ids where the network is present (netfac), ascending.
  [[nodiscard]] std::vector<std::uint32_t> facilities_of(model::Asn asn) const;
  /// The LAN prefixes of one ixlan (PeeringDB ixpfx), sorted.
  [[nodiscard]] std::vector<model::Prefix> ixlan_prefixes(std::uint32_t ixlan_id) const;
  /// The network's contacts (poc), sorted by id.
  [[nodiscard]] std::vector<const Contact*> contacts(model::Asn asn) const;
  /// The ixlan ids of one IX, ascending.
  [[nodiscard]] std::vector<std::uint32_t> ixlans_of(std::uint32_t ix_id) const;

  [[nodiscard]] std::size_t network_count() const;
  [[nodiscard]] std::size_t exchange_count() const;
  [[nodiscard]] std::size_t facility_count() const;
  [[nodiscard]] std::size_t port_count() const;  // netixlan rows loaded

 private:
  friend class SnapshotBuilder;
  struct Data;
  std::shared_ptr<const Data> data_;
};

/// Accumulates PeeringDB API documents, validates rows, then builds the view.
///
/// Row rules: a row is a JSON object; unknown fields are ignored. Ids and references are integers
/// 1..2^32-1; ASNs must be holdable (model::Asn); addresses must be of the field's family (null
/// means none); an ixpfx prefix has no host bits and matches its `protocol`. A missing `status`
/// counts as "ok". Within a type the first row with an id is kept and later ones are reported.
/// At build, every reference must name a loaded object (rows are resolved in kObjectTypes order,
/// so dependants of a rejected row are rejected too); a net's ASN must not belong to an earlier
/// net (by id); a netixlan's and netfac's ASN must equal its net's; a netixlan's `ix_id` must
/// equal its ixlan's (taken from the ixlan when absent). A netixlan address outside its LAN's
/// prefixes is loaded: judging it is policy's job.
class SnapshotBuilder {
 public:
  SnapshotBuilder();
  ~SnapshotBuilder();
  SnapshotBuilder(SnapshotBuilder&&) noexcept;
  SnapshotBuilder& operator=(SnapshotBuilder&&) noexcept;

  /// Adds one `GET /api/<type>` body. `type` is "org", "net", "ix", "ixlan", "ixpfx",
  /// "netixlan", "fac", "netfac" or "poc". A document that is not `{"data": [...]}` is an error;
  /// bad rows inside a good document are reported in the build's report and skipped. Documents
  /// of one type accumulate (a paged sync); a rejected document changes nothing.
  Result<void> add_document(std::string_view type, std::string_view json_text);

  /// Resolves references (rows pointing at objects that do not exist are reported and
  /// skipped) and returns the view with its report.
  std::pair<std::shared_ptr<const Snapshot>, ImportReport> build() &&;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Reads every `<type>.json` present in `dir`. Errors only when the directory is unreadable or a
/// present file is not a PeeringDB API document (bad rows are reported, not errors).
Result<std::pair<std::shared_ptr<const Snapshot>, ImportReport>> load_snapshot_dir(
    const std::filesystem::path& dir);

}  // namespace peerapi::sources::peeringdb
