// SnapshotBuilder and load_snapshot_dir: PeeringDB API documents -> validated rows -> Snapshot.

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "sources/peeringdb/row_reader.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "sources/peeringdb/snapshot_data.hpp"

namespace peerapi::sources::peeringdb {

namespace {

using detail::describe;
using detail::FieldProblem;
using detail::find_by_id;
using detail::RowReader;

/// Indexes kObjectTypes.
enum class ObjectType : std::size_t { org, net, ix, fac, ixlan, ixpfx, netixlan, netfac, poc };

std::optional<ObjectType> object_type_of(std::string_view name) {
  for (std::size_t index = 0; index < kObjectTypes.size(); ++index) {
    if (kObjectTypes[index] == name)
      return static_cast<ObjectType>(index);
  }
  return std::nullopt;
}

std::string_view name_of(ObjectType type) {
  return kObjectTypes[static_cast<std::size_t>(type)];
}

/// How files and messages name a type's document: "netixlan.json".
std::string document_label(std::string_view type) {
  return std::string(type) + ".json";
}

/// A row that passed field validation, with its position for later reports.
template <class T>
struct StagedRow {
  T object;
  std::size_t row_index;
};

template <class T>
struct StagedRows {
  std::vector<StagedRow<T>> rows;                                  // input order
  std::unordered_map<std::uint32_t, std::size_t> row_index_by_id;  // the kept row per id
};

/// Writes the ImportReport: per-type counts and the capped list of problems.
class ReportWriter {
 public:
  /// Counts a skipped bad row of `type` and lists it as
  /// "<type>.json: data[<row_index>] (id <id>): <field>: <message>"; the id part is left out when
  /// `id` is 0 (unknown), the field part when the problem concerns the row itself.
  void problem(ObjectType type, std::size_t row_index, std::uint32_t id, const FieldProblem& what) {
    ++report_.types[std::string(name_of(type))].skipped_bad;
    if (report_.problems.size() >= ImportReport::kMaxProblems) {
      ++report_.problems_not_listed;
      return;
    }
    std::string line = document_label(name_of(type)) + ": data[" + std::to_string(row_index) + "]";
    if (id != 0)
      line += " (id " + std::to_string(id) + ")";
    line += ": ";
    if (!what.field.empty())
      line += what.field + ": ";
    line += what.message;
    report_.problems.push_back(std::move(line));
  }

  void inactive(ObjectType type) { ++report_.types[std::string(name_of(type))].skipped_inactive; }

  void loaded(ObjectType type, std::size_t count) {
    report_.types[std::string(name_of(type))].loaded += count;
  }

  ImportReport take() && {
    for (const std::string_view type : kObjectTypes)
      report_.types.try_emplace(std::string(type));
    return std::move(report_);
  }

 private:
  ImportReport report_;
};

/// The row's id when it is a valid one, else 0; only for naming the row in a report.
std::uint32_t id_for_messages(const boost::json::object& row) {
  RowReader reader(row);
  return reader.id("id");
}

// Row readers: one per type. Each reads the fields in declaration order and returns the object
// when the row is valid; otherwise `row` holds the first problem.

std::optional<Organization> read_org(RowReader& row, std::uint32_t id) {
  std::string name = row.required_string("name");
  if (!row.ok())
    return std::nullopt;
  return Organization{.id = id, .name = std::move(name)};
}

std::optional<Network> read_net(RowReader& row, std::uint32_t id) {
  const std::uint32_t org_id = row.id("org_id");
  const std::optional<model::Asn> asn = row.asn("asn");
  std::string name = row.required_string("name");
  std::string irr_as_set = row.optional_string("irr_as_set");
  const std::optional<std::uint32_t> info_prefixes4 = row.optional_count("info_prefixes4");
  const std::optional<std::uint32_t> info_prefixes6 = row.optional_count("info_prefixes6");
  std::string policy_general = row.optional_string("policy_general");
  std::string info_type = row.optional_string("info_type");
  if (!row.ok() || !asn)
    return std::nullopt;
  return Network{.id = id,
                 .org_id = org_id,
                 .asn = *asn,
                 .name = std::move(name),
                 .irr_as_set = std::move(irr_as_set),
                 .info_prefixes4 = info_prefixes4,
                 .info_prefixes6 = info_prefixes6,
                 .policy_general = std::move(policy_general),
                 .info_type = std::move(info_type)};
}

std::optional<InternetExchange> read_ix(RowReader& row, std::uint32_t id) {
  const std::uint32_t org_id = row.id("org_id");
  std::string name = row.required_string("name");
  std::string name_long = row.optional_string("name_long");
  std::string city = row.optional_string("city");
  std::string country = row.optional_string("country");
  if (!row.ok())
    return std::nullopt;
  return InternetExchange{.id = id,
                          .org_id = org_id,
                          .name = std::move(name),
                          .name_long = std::move(name_long),
                          .city = std::move(city),
                          .country = std::move(country)};
}

std::optional<Facility> read_fac(RowReader& row, std::uint32_t id) {
  const std::uint32_t org_id = row.id("org_id");
  std::string name = row.required_string("name");
  std::string city = row.optional_string("city");
  std::string country = row.optional_string("country");
  if (!row.ok())
    return std::nullopt;
  return Facility{.id = id,
                  .org_id = org_id,
                  .name = std::move(name),
                  .city = std::move(city),
                  .country = std::move(country)};
}

std::optional<IxLan> read_ixlan(RowReader& row, std::uint32_t id) {
  const std::uint32_t ix_id = row.id("ix_id");
  std::string name = row.optional_string("name");
  if (!row.ok())
    return std::nullopt;
  return IxLan{.id = id, .ix_id = ix_id, .name = std::move(name)};
}

std::optional<IxPrefix> read_ixpfx(RowReader& row, std::uint32_t id) {
  const std::uint32_t ixlan_id = row.id("ixlan_id");
  const std::optional<model::IpFamily> protocol = row.protocol("protocol");
  const std::optional<model::Prefix> prefix = row.prefix("prefix");
  if (row.ok() && protocol && prefix && prefix->family() != *protocol) {
    row.report("prefix", prefix->to_string() + " is not an " +
                             (*protocol == model::IpFamily::v4 ? "IPv4" : "IPv6") +
                             " prefix, as protocol says");
  }
  if (!row.ok() || !prefix)
    return std::nullopt;
  return IxPrefix{.id = id, .ixlan_id = ixlan_id, .prefix = *prefix};
}

std::optional<NetIxLan> read_netixlan(RowReader& row, std::uint32_t id) {
  const std::uint32_t net_id = row.id("net_id");
  const std::uint32_t ix_id = row.optional_id("ix_id");
  const std::uint32_t ixlan_id = row.id("ixlan_id");
  const std::optional<model::Asn> asn = row.asn("asn");
  const std::optional<model::IpAddress> ipaddr4 =
      row.optional_address("ipaddr4", model::IpFamily::v4);
  const std::optional<model::IpAddress> ipaddr6 =
      row.optional_address("ipaddr6", model::IpFamily::v6);
  const std::uint32_t speed = row.optional_count("speed").value_or(0);
  const bool is_rs_peer = row.optional_bool("is_rs_peer", false);
  const bool operational = row.optional_bool("operational", true);
  if (!row.ok() || !asn)
    return std::nullopt;
  return NetIxLan{.id = id,
                  .net_id = net_id,
                  .ix_id = ix_id,
                  .ixlan_id = ixlan_id,
                  .asn = *asn,
                  .ipaddr4 = ipaddr4,
                  .ipaddr6 = ipaddr6,
                  .speed = speed,
                  .is_rs_peer = is_rs_peer,
                  .operational = operational};
}

std::optional<NetFac> read_netfac(RowReader& row, std::uint32_t id) {
  const std::uint32_t net_id = row.id("net_id");
  const std::uint32_t fac_id = row.id("fac_id");
  const std::optional<model::Asn> local_asn = row.asn("local_asn");
  if (!row.ok() || !local_asn)
    return std::nullopt;
  return NetFac{.id = id, .net_id = net_id, .fac_id = fac_id, .local_asn = *local_asn};
}

std::optional<Contact> read_poc(RowReader& row, std::uint32_t id) {
  const std::uint32_t net_id = row.id("net_id");
  std::string role = row.required_string("role");
  std::string name = row.optional_string("name");
  std::string email = row.optional_string("email");
  std::string visible = row.optional_string("visible");
  if (!row.ok())
    return std::nullopt;
  return Contact{.id = id,
                 .net_id = net_id,
                 .role = std::move(role),
                 .name = std::move(name),
                 .email = std::move(email),
                 .visible = std::move(visible)};
}

/// Validates every row of one document and stages the good, active, first-of-their-id ones.
template <class T, class ReadRow>
void stage_rows(ObjectType type, const boost::json::array& rows, StagedRows<T>& staged,
                ReportWriter& report, ReadRow read_row) {
  for (std::size_t index = 0; index < rows.size(); ++index) {
    const auto* row = rows[index].if_object();
    if (row == nullptr) {
      report.problem(type, index, 0, {"", "expected an object, got " + describe(rows[index])});
      continue;
    }
    const std::uint32_t shown_id = id_for_messages(*row);
    RowReader reader(*row);
    const bool active = reader.is_active();
    if (!reader.ok()) {
      report.problem(type, index, shown_id, *reader.problem());
      continue;
    }
    if (!active) {
      report.inactive(type);
      continue;
    }
    const std::uint32_t id = reader.id("id");
    std::optional<T> object;
    if (reader.ok())
      object = read_row(reader, id);
    if (!object) {
      report.problem(type, index, shown_id,
                     reader.problem().value_or(FieldProblem{"", "invalid row"}));
      continue;
    }
    const auto [kept, inserted] = staged.row_index_by_id.try_emplace(id, index);
    if (!inserted) {
      report.problem(type, index, id,
                     {"id", "duplicate id " + std::to_string(id) + "; the earlier row data[" +
                                std::to_string(kept->second) + "] is kept"});
      continue;
    }
    staged.rows.push_back({std::move(*object), index});
  }
}

/// The problem of a reference to an object that is not in the snapshot.
FieldProblem dangling(std::string_view field, std::string_view type, std::uint32_t id) {
  return {std::string(field), "refers to " + std::string(type) + " " + std::to_string(id) +
                                  ", which is not in the snapshot"};
}

/// Orders the staged rows by id and keeps those `check` accepts. `check(object)` may complete
/// the object and returns the problem that rejects it, if any; rejected rows are reported.
template <class T, class Check>
std::vector<T> resolve(ObjectType type, StagedRows<T>& staged, ReportWriter& report, Check check) {
  std::sort(staged.rows.begin(), staged.rows.end(),
            [](const StagedRow<T>& a, const StagedRow<T>& b) { return a.object.id < b.object.id; });
  std::vector<T> kept;
  kept.reserve(staged.rows.size());
  for (StagedRow<T>& row : staged.rows) {
    if (std::optional<FieldProblem> problem = check(row.object)) {
      report.problem(type, row.row_index, row.object.id, *problem);
      continue;
    }
    kept.push_back(std::move(row.object));
  }
  staged.rows.clear();
  report.loaded(type, kept.size());
  return kept;
}

/// "AS64501 differs from net 7's AS64500".
FieldProblem asn_mismatch(std::string_view field, model::Asn asn, const Network& network) {
  return {std::string(field), asn.to_string() + " differs from net " + std::to_string(network.id) +
                                  "'s " + network.asn.to_string()};
}

}  // namespace

struct SnapshotBuilder::State {
  ReportWriter report;
  StagedRows<Organization> organizations;
  StagedRows<Network> networks;
  StagedRows<InternetExchange> exchanges;
  StagedRows<Facility> facilities;
  StagedRows<IxLan> ixlans;
  StagedRows<IxPrefix> prefixes;
  StagedRows<NetIxLan> ports;
  StagedRows<NetFac> presences;
  StagedRows<Contact> contacts;
};

SnapshotBuilder::SnapshotBuilder() : state_(std::make_unique<State>()) {}
SnapshotBuilder::~SnapshotBuilder() = default;
SnapshotBuilder::SnapshotBuilder(SnapshotBuilder&&) noexcept = default;
SnapshotBuilder& SnapshotBuilder::operator=(SnapshotBuilder&&) noexcept = default;

Result<void> SnapshotBuilder::add_document(std::string_view type, std::string_view json_text) {
  if (!state_)
    state_ = std::make_unique<State>();
  const std::optional<ObjectType> object_type = object_type_of(type);
  if (!object_type) {
    std::string known;
    for (const std::string_view name : kObjectTypes)
      known += (known.empty() ? "" : ", ") + std::string(name);
    return fail(ErrorCode::invalid_value, "type",
                "unknown PeeringDB object type \"" + std::string(type.substr(0, 32)) +
                    "\"; expected one of " + known);
  }
  const std::string label = document_label(type);
  if (json_text.size() > kMaxDocumentBytes) {
    return fail(ErrorCode::data_invalid, label,
                label + ": document is " + std::to_string(json_text.size()) +
                    " bytes, above the limit of " + std::to_string(kMaxDocumentBytes));
  }

  boost::json::monotonic_resource arena;
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::parser parser(boost::json::storage_ptr(), options);
  parser.reset(&arena);
  boost::system::error_code parse_error;
  const std::size_t consumed = parser.write(json_text.data(), json_text.size(), parse_error);
  if (parse_error) {
    const std::string limit = parse_error == boost::json::error::too_deep
                                  ? ", limit " + std::to_string(kMaxJsonDepth) + " levels"
                                  : std::string();
    return fail(ErrorCode::data_invalid, label,
                label + ": not valid JSON (" + parse_error.message() + " at byte " +
                    std::to_string(consumed) + limit + ")");
  }
  const boost::json::value document = parser.release();

  const auto* root = document.if_object();
  const boost::json::value* data = root != nullptr ? root->if_contains("data") : nullptr;
  const boost::json::array* rows = data != nullptr ? data->if_array() : nullptr;
  if (rows == nullptr) {
    const std::string found = root == nullptr   ? describe(document)
                              : data == nullptr ? "no \"data\" member"
                                                : "\"data\": " + describe(*data);
    return fail(ErrorCode::data_invalid, label,
                label + ": expected a PeeringDB API document {\"meta\": {...}, \"data\": [...]}, " +
                    "got " + found);
  }

  State& state = *state_;
  switch (*object_type) {
    case ObjectType::org:
      stage_rows(*object_type, *rows, state.organizations, state.report, read_org);
      break;
    case ObjectType::net:
      stage_rows(*object_type, *rows, state.networks, state.report, read_net);
      break;
    case ObjectType::ix:
      stage_rows(*object_type, *rows, state.exchanges, state.report, read_ix);
      break;
    case ObjectType::fac:
      stage_rows(*object_type, *rows, state.facilities, state.report, read_fac);
      break;
    case ObjectType::ixlan:
      stage_rows(*object_type, *rows, state.ixlans, state.report, read_ixlan);
      break;
    case ObjectType::ixpfx:
      stage_rows(*object_type, *rows, state.prefixes, state.report, read_ixpfx);
      break;
    case ObjectType::netixlan:
      stage_rows(*object_type, *rows, state.ports, state.report, read_netixlan);
      break;
    case ObjectType::netfac:
      stage_rows(*object_type, *rows, state.presences, state.report, read_netfac);
      break;
    case ObjectType::poc:
      stage_rows(*object_type, *rows, state.contacts, state.report, read_poc);
      break;
  }
  return {};
}

std::pair<std::shared_ptr<const Snapshot>, ImportReport> SnapshotBuilder::build() && {
  if (!state_)
    state_ = std::make_unique<State>();
  State& state = *state_;
  ReportWriter& report = state.report;
  auto data = std::make_shared<Snapshot::Data>();
  using OptionalProblem = std::optional<FieldProblem>;

  // Resolution runs in kObjectTypes order, so a row whose target was itself rejected is
  // reported as dangling too.
  data->organizations = resolve(ObjectType::org, state.organizations, report,
                                [](const Organization&) { return OptionalProblem(); });

  std::unordered_map<std::uint32_t, std::uint32_t> net_id_by_asn;
  data->networks =
      resolve(ObjectType::net, state.networks, report, [&](const Network& net) -> OptionalProblem {
        if (find_by_id(data->organizations, net.org_id) == nullptr)
          return dangling("org_id", "org", net.org_id);
        const auto [holder, inserted] = net_id_by_asn.try_emplace(net.asn.value(), net.id);
        if (!inserted) {
          return FieldProblem{"asn", net.asn.to_string() + " is already the ASN of net " +
                                         std::to_string(holder->second)};
        }
        return std::nullopt;
      });
  for (std::size_t index = 0; index < data->networks.size(); ++index)
    data->network_index_by_asn.emplace_back(data->networks[index].asn.value(), index);
  std::sort(data->network_index_by_asn.begin(), data->network_index_by_asn.end());

  data->exchanges = resolve(ObjectType::ix, state.exchanges, report,
                            [&](const InternetExchange& ix) -> OptionalProblem {
                              if (find_by_id(data->organizations, ix.org_id) == nullptr)
                                return dangling("org_id", "org", ix.org_id);
                              return std::nullopt;
                            });

  data->facilities = resolve(ObjectType::fac, state.facilities, report,
                             [&](const Facility& fac) -> OptionalProblem {
                               if (find_by_id(data->organizations, fac.org_id) == nullptr)
                                 return dangling("org_id", "org", fac.org_id);
                               return std::nullopt;
                             });

  data->ixlans =
      resolve(ObjectType::ixlan, state.ixlans, report, [&](const IxLan& ixlan) -> OptionalProblem {
        if (find_by_id(data->exchanges, ixlan.ix_id) == nullptr)
          return dangling("ix_id", "ix", ixlan.ix_id);
        return std::nullopt;
      });
  for (const IxLan& ixlan : data->ixlans)
    data->ixlan_ids_by_exchange.emplace_back(ixlan.ix_id, ixlan.id);
  std::sort(data->ixlan_ids_by_exchange.begin(), data->ixlan_ids_by_exchange.end());

  data->prefixes = resolve(ObjectType::ixpfx, state.prefixes, report,
                           [&](const IxPrefix& prefix) -> OptionalProblem {
                             if (find_by_id(data->ixlans, prefix.ixlan_id) == nullptr)
                               return dangling("ixlan_id", "ixlan", prefix.ixlan_id);
                             return std::nullopt;
                           });
  std::sort(data->prefixes.begin(), data->prefixes.end(), [](const IxPrefix& a, const IxPrefix& b) {
    return std::tie(a.ixlan_id, a.prefix, a.id) < std::tie(b.ixlan_id, b.prefix, b.id);
  });

  data->ports =
      resolve(ObjectType::netixlan, state.ports, report, [&](NetIxLan& port) -> OptionalProblem {
        const Network* network = find_by_id(data->networks, port.net_id);
        if (network == nullptr)
          return dangling("net_id", "net", port.net_id);
        const IxLan* ixlan = find_by_id(data->ixlans, port.ixlan_id);
        if (ixlan == nullptr)
          return dangling("ixlan_id", "ixlan", port.ixlan_id);
        if (port.ix_id == 0)
          port.ix_id = ixlan->ix_id;
        if (port.ix_id != ixlan->ix_id) {
          return FieldProblem{"ix_id", "is " + std::to_string(port.ix_id) + " but ixlan " +
                                           std::to_string(ixlan->id) + " belongs to ix " +
                                           std::to_string(ixlan->ix_id)};
        }
        if (port.asn != network->asn)
          return asn_mismatch("asn", port.asn, *network);
        return std::nullopt;
      });
  std::sort(data->ports.begin(), data->ports.end(), [](const NetIxLan& a, const NetIxLan& b) {
    return std::tuple(a.asn.value(), a.ix_id, a.id) < std::tuple(b.asn.value(), b.ix_id, b.id);
  });

  data->presences = resolve(ObjectType::netfac, state.presences, report,
                            [&](const NetFac& netfac) -> OptionalProblem {
                              const Network* network = find_by_id(data->networks, netfac.net_id);
                              if (network == nullptr)
                                return dangling("net_id", "net", netfac.net_id);
                              if (find_by_id(data->facilities, netfac.fac_id) == nullptr)
                                return dangling("fac_id", "fac", netfac.fac_id);
                              if (netfac.local_asn != network->asn)
                                return asn_mismatch("local_asn", netfac.local_asn, *network);
                              return std::nullopt;
                            });
  std::sort(data->presences.begin(), data->presences.end(), [](const NetFac& a, const NetFac& b) {
    return std::tuple(a.local_asn.value(), a.fac_id, a.id) <
           std::tuple(b.local_asn.value(), b.fac_id, b.id);
  });

  data->contacts = resolve(ObjectType::poc, state.contacts, report,
                           [&](const Contact& contact) -> OptionalProblem {
                             if (find_by_id(data->networks, contact.net_id) == nullptr)
                               return dangling("net_id", "net", contact.net_id);
                             return std::nullopt;
                           });
  std::sort(data->contacts.begin(), data->contacts.end(), [](const Contact& a, const Contact& b) {
    return std::tie(a.net_id, a.id) < std::tie(b.net_id, b.id);
  });

  auto snapshot = std::make_shared<Snapshot>();
  snapshot->data_ = std::move(data);
  ImportReport finished = std::move(state.report).take();
  state_.reset();
  return {std::move(snapshot), std::move(finished)};
}

Result<std::pair<std::shared_ptr<const Snapshot>, ImportReport>> load_snapshot_dir(
    const std::filesystem::path& dir) {
  std::error_code fs_error;
  const std::filesystem::file_status dir_status = std::filesystem::status(dir, fs_error);
  if (fs_error || !std::filesystem::is_directory(dir_status)) {
    return fail(ErrorCode::io_error, dir.string(),
                dir.string() + ": not a readable directory" +
                    (fs_error ? " (" + fs_error.message() + ")" : std::string()));
  }

  SnapshotBuilder builder;
  for (const std::string_view type : kObjectTypes) {
    const std::string label = document_label(type);
    const std::filesystem::path file = dir / label;
    const std::filesystem::file_status file_status = std::filesystem::status(file, fs_error);
    if (file_status.type() == std::filesystem::file_type::not_found)
      continue;
    if (fs_error || !std::filesystem::is_regular_file(file_status)) {
      return fail(ErrorCode::io_error, file.string(),
                  file.string() + ": not a readable regular file" +
                      (fs_error ? " (" + fs_error.message() + ")" : std::string()));
    }
    const std::uintmax_t size = std::filesystem::file_size(file, fs_error);
    if (fs_error) {
      return fail(ErrorCode::io_error, file.string(),
                  file.string() + ": cannot read its size (" + fs_error.message() + ")");
    }
    if (size > kMaxDocumentBytes) {
      return fail(ErrorCode::data_invalid, file.string(),
                  file.string() + ": " + std::to_string(size) + " bytes, above the limit of " +
                      std::to_string(kMaxDocumentBytes));
    }
    std::string text(static_cast<std::size_t>(size), '\0');
    std::ifstream in(file, std::ios::binary);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (!in || in.gcount() != static_cast<std::streamsize>(text.size())) {
      return fail(ErrorCode::io_error, file.string(), file.string() + ": read failed");
    }
    if (auto added = builder.add_document(type, text); !added) {
      Error error = std::move(added.error());
      // add_document names the document "<type>.json"; name the file the operator gave.
      if (error.message.starts_with(label))
        error.message = file.string() + error.message.substr(label.size());
      error.field = file.string();
      return std::unexpected(std::move(error));
    }
  }
  return std::move(builder).build();
}

}  // namespace peerapi::sources::peeringdb
