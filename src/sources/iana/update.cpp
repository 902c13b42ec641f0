#include "sources/iana/update.hpp"

#include <map>
#include <optional>
#include <utility>

#include "util/atomic_file.hpp"

namespace peerapi::sources::iana {

namespace {

std::string_view flag_text(Flag flag) {
  switch (flag) {
    case Flag::yes:
      return "True";
    case Flag::no:
      return "False";
    case Flag::not_applicable:
      return "N/A";
    case Flag::blank:
      return "-";
  }
  return "?";
}

/// Block -> one line describing every attribute, so that two rows differ exactly when their
/// summaries do.
std::map<model::Prefix, std::string> summaries(const RegistryFile& file) {
  std::map<model::Prefix, std::string> out;
  for (const SpecialPurposeEntry& row : file.special) {
    std::string line = row.name;
    if (!row.rfc.empty())
      line += " " + row.rfc;
    line += " (allocated " + row.allocation_date;
    if (row.termination_date)
      line += ", terminated " + *row.termination_date;
    line += "; source " + std::string(flag_text(row.source)) + ", destination " +
            std::string(flag_text(row.destination)) + ", forwardable " +
            std::string(flag_text(row.forwardable)) + ", globally reachable " +
            std::string(flag_text(row.globally_reachable)) + ", reserved-by-protocol " +
            std::string(flag_text(row.reserved_by_protocol)) + ")";
    out.emplace(row.prefix, std::move(line));
  }
  for (const UnicastAssignment& row : file.unicast) {
    out.emplace(row.prefix,
                row.designation + " " + row.date + " " +
                    (row.status == AssignmentStatus::allocated ? "ALLOCATED" : "RESERVED"));
  }
  return out;
}

void diff(const RegistryFile* before, const RegistryFile& after, RegistryChange& change) {
  const auto old_rows =
      before != nullptr ? summaries(*before) : std::map<model::Prefix, std::string>{};
  const auto new_rows = summaries(after);
  for (const auto& [prefix, summary] : new_rows) {
    const auto it = old_rows.find(prefix);
    if (it == old_rows.end())
      change.added.push_back(prefix.to_string() + " " + summary);
    else if (it->second != summary)
      change.changed.push_back(prefix.to_string() + " " + summary);
  }
  for (const auto& [prefix, summary] : old_rows) {
    if (!new_rows.contains(prefix))
      change.removed.push_back(prefix.to_string() + " " + summary);
  }
}

Result<RegistryFile> parse_as(RegistryKind kind, std::string_view text, std::string_view origin) {
  RegistryFile file;
  file.kind = kind;
  if (kind == RegistryKind::ipv6_unicast) {
    auto rows = parse_unicast_assignments(text, origin);
    if (!rows)
      return std::unexpected(rows.error());
    file.unicast = std::move(*rows);
    return file;
  }
  const auto family =
      kind == RegistryKind::ipv4_special ? model::IpFamily::v4 : model::IpFamily::v6;
  auto rows = parse_special_registry(text, family, origin);
  if (!rows)
    return std::unexpected(rows.error());
  file.special = std::move(*rows);
  return file;
}

}  // namespace

Result<std::vector<RegistryChange>> update_registry_dir(const std::filesystem::path& dir,
                                                        std::span<const InputFile> inputs,
                                                        bool dry_run) {
  struct Given {
    const InputFile* input;
    RegistryFile file;
  };
  std::map<RegistryKind, Given> given;
  for (const InputFile& input : inputs) {
    auto file = parse_registry(input.content, input.origin);
    if (!file)
      return std::unexpected(file.error());
    const RegistryKind kind = file->kind;
    if (const auto it = given.find(kind); it != given.end()) {
      return fail(ErrorCode::invalid_value, input.origin,
                  "is a second " + std::string(file_name(kind)) + " (the first is " +
                      it->second.input->origin + ")");
    }
    given.emplace(kind, Given{&input, std::move(*file)});
  }

  std::vector<RegistryChange> changes;
  std::map<RegistryKind, std::string> to_write;
  for (const RegistryKind kind : kAllRegistryKinds) {
    const std::filesystem::path path = dir / file_name(kind);
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    std::optional<std::string> previous_bytes;
    if (exists) {
      auto bytes = read_registry_file(path);
      if (bytes)
        previous_bytes = std::move(*bytes);
      else if (!given.contains(kind))
        return std::unexpected(bytes.error());
    }
    const auto it = given.find(kind);
    if (it == given.end()) {
      if (!previous_bytes) {
        return fail(ErrorCode::missing_field, path.string(),
                    "the data directory has no " + std::string(file_name(kind)) +
                        "; give that registry file too");
      }
      if (auto existing = parse_as(kind, *previous_bytes, path.string()); !existing)
        return std::unexpected(existing.error());
      continue;
    }
    RegistryChange change;
    change.kind = kind;
    change.origin = it->second.input->origin;
    std::optional<RegistryFile> previous;
    if (previous_bytes) {
      if (auto parsed = parse_as(kind, *previous_bytes, path.string()))
        previous = std::move(*parsed);
    }
    change.had_previous = previous.has_value();
    diff(previous ? &*previous : nullptr, it->second.file, change);
    if (!previous_bytes || *previous_bytes != it->second.input->content)
      to_write.emplace(kind, it->second.input->content);
    changes.push_back(std::move(change));
  }

  if (dry_run)
    return changes;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(ErrorCode::io_error, dir.string(), "cannot create the directory: " + ec.message());
  for (RegistryChange& change : changes) {
    const auto it = to_write.find(change.kind);
    if (it == to_write.end())
      continue;
    if (auto written = util::write_file_atomically(dir / file_name(change.kind), it->second);
        !written)
      return std::unexpected(written.error());
    change.written = true;
  }
  return changes;
}

}  // namespace peerapi::sources::iana
