// Finding a peer's Peering API endpoint (draft-ietf-grow-peering-api section 6.2): manual
// entries first, then a directory file operators share, then RPKI discovery. Each source sits
// behind EndpointSource, so a reader of RPKI-signed discovery objects can replace the table an
// RPKI validator exports today without touching the callers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "util/clock.hpp"

namespace peerapi::client {

enum class EndpointOrigin : std::uint8_t { manual, directory, rpki };

/// "manual", "directory", "rpki".
std::string_view to_string(EndpointOrigin origin) noexcept;

struct Endpoint {
  std::string url;  // the API base without a trailing "/": "https://peering.example.net/api"
  EndpointOrigin origin = EndpointOrigin::manual;
  std::string source;  // which entry answered: "client.peers[0]", "<file> entry 3"
};

/// Checks an API base URL: absolute http(s), a host, no credentials, query or fragment. Returns
/// it without trailing "/"; invalid_url at `field` otherwise. Whether plain http may be used is
/// the outbound guard's decision at request time.
Result<std::string> normalize_api_url(std::string_view text, std::string_view field);

class EndpointSource {
 public:
  virtual ~EndpointSource() = default;
  [[nodiscard]] virtual EndpointOrigin origin() const = 0;
  /// The endpoint this source knows for `asn`; nullopt when it knows none. Errors (an unreadable
  /// or malformed file) name the file and entry: a configured source never fails silently.
  virtual Result<std::optional<Endpoint>> lookup(model::Asn asn) = 0;
};

/// [[client.peers]] entries.
class ManualEndpoints final : public EndpointSource {
 public:
  explicit ManualEndpoints(std::vector<std::pair<model::Asn, std::string>> peers)
      : peers_(std::move(peers)) {}
  [[nodiscard]] EndpointOrigin origin() const override { return EndpointOrigin::manual; }
  Result<std::optional<Endpoint>> lookup(model::Asn asn) override;

 private:
  std::vector<std::pair<model::Asn, std::string>> peers_;
};

struct EndpointEntry {
  model::Asn asn;
  std::string url;
  std::optional<std::int64_t> expires_ms;  // RPKI table only: the signed object's notAfter
};

/// The directory file: a JSON array [{"asn": 64500, "url": "https://..."}, ...]. An ASN listed
/// twice is an error (which entry would be meant is unknowable). Errors are data_invalid at
/// "[i].asn" / "[i].url" with the entry's index.
Result<std::vector<EndpointEntry>> parse_directory(std::string_view json_text);

/// The RPKI discovery table, as an RPKI validator exports the validated discovery objects:
///   {"generated": 1767225600,
///    "endpoints": [{"asn": 64500, "url": "https://...", "expires": 1767312000}, ...]}
/// "generated" and "expires" are Unix seconds (optional); "endpoints" is required. Several
/// valid entries may name one ASN (several objects); the first unexpired one wins. Errors are
/// data_invalid at "endpoints[i].url" etc.
Result<std::vector<EndpointEntry>> parse_rpki_table(std::string_view json_text);

/// A source read from a JSON file on first lookup (parse_directory or parse_rpki_table).
class EndpointFile final : public EndpointSource {
 public:
  /// `clock` (for RPKI entry expiry) must outlive the source.
  EndpointFile(EndpointOrigin origin, std::filesystem::path file, const util::Clock& clock);
  [[nodiscard]] EndpointOrigin origin() const override { return origin_; }
  Result<std::optional<Endpoint>> lookup(model::Asn asn) override;

 private:
  EndpointOrigin origin_;
  std::filesystem::path file_;
  const util::Clock& clock_;
  std::optional<std::vector<EndpointEntry>> entries_;
};

class EndpointFinder {
 public:
  /// Sources are asked in the order added.
  void add(std::unique_ptr<EndpointSource> source) { sources_.push_back(std::move(source)); }
  /// The first source's answer for `asn`; not_found at "asn" naming the sources asked when none
  /// knows it; a failing source's error as is.
  Result<Endpoint> find_endpoint(model::Asn asn);
  [[nodiscard]] bool empty() const noexcept { return sources_.empty(); }

 private:
  std::vector<std::unique_ptr<EndpointSource>> sources_;
};

}  // namespace peerapi::client
