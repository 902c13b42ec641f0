// Replacing the registry files of a data directory (`peerapi sync iana`): every new file is
// parsed completely, the resulting set of three is checked as a whole, and only then is each
// changed file written to a temporary file and renamed into place (DESIGN.md habits: a reader
// never sees a half-written file, and a bad input leaves the directory as it was).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "sources/iana/registry.hpp"

namespace peerapi::sources::iana {

/// A candidate registry file: its content and a name for messages (usually its path).
struct InputFile {
  std::string origin;
  std::string content;
};

/// What replacing one registry file changes, per address block: "<prefix> <summary>" lines,
/// sorted by prefix. `changed` lists blocks whose attributes differ (name, RFC, dates, flags; or
/// designation, date, status).
struct RegistryChange {
  RegistryKind kind = RegistryKind::ipv4_special;
  std::string origin;  // the input it came from
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  bool had_previous = false;  // the directory held a readable file of this kind before
  bool written = false;       // false when the bytes were identical, or on a dry run
};

/// Replaces the files of `dir` (created when missing) with `inputs`, which are recognised by
/// content (parse_registry), at most one per kind. Every input must parse, and every kind not
/// given must already be present and valid in `dir`, so that the directory always holds a
/// complete, loadable set. Inputs are written byte for byte (IANA's CRLF line ends kept).
/// Errors: the parse error of the first bad input; invalid_value at an input's origin for a
/// second input of the same kind; the load error of a file of `dir` that is not replaced;
/// io_error when a file cannot be written (files renamed before the failure stay replaced, each
/// whole). With `dry_run` nothing is written.
Result<std::vector<RegistryChange>> update_registry_dir(const std::filesystem::path& dir,
                                                        std::span<const InputFile> inputs,
                                                        bool dry_run = false);

}  // namespace peerapi::sources::iana
