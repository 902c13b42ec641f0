// The server's TOML configuration (README "Configuration"). Every key is typed and checked;
// unknown keys are errors, so a typo never silently falls back to a default.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "policy/operator_policy.hpp"
#include "render/render_input.hpp"

namespace peerapi::config {

struct ListenAddress {
  std::string host;        // IPv4 or IPv6 literal (no brackets) or "localhost"
  std::uint16_t port = 0;  // 0: the kernel picks a free port (logged at start-up)
  [[nodiscard]] std::string to_string() const;  // "127.0.0.1:8080", "[::1]:8080"
};

/// [server.tls]: HTTPS on every listener, per RFC 9325 (docs/operations.md "TLS"). The files are
/// read when the server starts and again on SIGHUP (certificate rotation).
struct TlsSection {
  std::filesystem::path cert_file;  // PEM: the server certificate, then its chain
  std::filesystem::path key_file;   // PEM: the private key of cert_file
  /// Optional: ask for a client certificate and verify it against these CAs (PEM).
  std::filesystem::path client_ca_file;
  /// Optional: only client certificates whose SHA-256 over DER is listed pass (lower-case hex).
  std::vector<std::string> client_cert_sha256;
  std::string min_version = "1.2";  // "1.2" or "1.3"
};

struct ServerSection {
  std::vector<ListenAddress> listen;
  std::string base_path = "/";  // always starts and ends with "/"
  /// The origin callers use to reach this server ("https://peering.example.net"), as DPoP
  /// proofs (htu) and message signatures (@target-uri) name it. Empty: "http://" + the first
  /// listen address. Set it whenever a proxy or a DNS name stands in front.
  std::string public_url;
  int threads = 0;  // 0: one per CPU core
  /// Threads that run requests which write to the store (POST, DELETE) so that their waits for
  /// a commit do not hold up the I/O threads; concurrent writes share one commit (group commit).
  int write_threads = 16;
  int max_connections = 4096;
  int header_timeout_ms = 10'000;  // a request's header must arrive within this
  int body_timeout_ms = 30'000;
  int idle_timeout_ms = 60'000;  // keep-alive connection without a request
  std::size_t max_body_bytes = 1 << 20;
  int max_sessions_per_request = 100;
  int max_json_depth = 16;
  std::optional<TlsSection> tls;  // [server.tls]; absent: plain HTTP
  /// Open connections from one source address; beyond it new ones get 503. 0: no cap.
  int max_connections_per_address = 256;
  /// SIGTERM/SIGINT: in-flight requests get this long to finish before the process stops.
  int drain_timeout_ms = 10'000;
};

struct NetworkSection {
  std::vector<model::Asn> asns;  // the ASNs this server speaks for (peer_* in sessions)
  std::string contact_email;     // named in 422 answers that need a human
};

/// [store]: exactly one backend, `sqlite` (a file) or `postgres` (a libpq URI, for several
/// replicas sharing one database; docs/store.md).
struct StoreSection {
  std::filesystem::path sqlite;
  /// "postgresql://user:password@host:5432/database?...": holds a password, so it is never
  /// printed back (store::PostgresStore::redacted).
  std::string postgres;
  std::string synchronous = "full";  // SQLite PRAGMA synchronous: "full" or "normal"
};

struct PeeringDbSection {
  std::filesystem::path snapshot_dir;
  /// Live sync (issue 4): when set, the server refreshes snapshot_dir from this PeeringDB API
  /// base URL every sync_interval_seconds (full load first, then `?since=` deltas).
  std::string sync_url;
  std::filesystem::path api_key_file;  // optional; the file holds the PeeringDB API key
  std::int64_t sync_interval_seconds = 3600;
};

/// [sources.irr]: where AS-SETs and route objects come from (RPSL dumps or an IRRd server).
struct IrrSourceSection {
  std::vector<std::filesystem::path> dumps;  // .db or .db.gz, in source-priority order
  std::string irrd;                          // "host:port" of an IRRd server
  std::vector<std::string> sources;          // IRRd source list (!s), e.g. ["RIPE", "RADB"]
  std::int64_t refresh_seconds = 3600;       // dumps are re-read this often
  [[nodiscard]] bool configured() const { return !dumps.empty() || !irrd.empty(); }
};

/// [sources.rpki]: validated ROA payloads, from a JSON file or an RTR cache (RFC 8210).
struct RpkiSourceSection {
  std::filesystem::path vrps;          // rpki-client -j / Routinator JSON
  std::string rtr;                     // "host:port" of an RTR cache
  std::int64_t refresh_seconds = 600;  // the file is re-read this often
  [[nodiscard]] bool configured() const { return !vrps.empty() || !rtr.empty(); }
};

/// [sources.iana]: the special-purpose registries and IPv6 unicast assignments (bogons).
struct IanaSourceSection {
  std::filesystem::path dir = "data/iana";
};

struct SourcesSection {
  IrrSourceSection irr;
  RpkiSourceSection rpki;
  IanaSourceSection iana;
};

enum class ApprovalMode { automatic, manual };

struct ApprovalSection {
  ApprovalMode mode = ApprovalMode::automatic;
  /// Draft section 7 ("D and E"): after accepting a request that carries a return_url, ask the
  /// requester's own API for the sessions at our common IXs its request left out. Uses [client]
  /// credentials. Off by default.
  bool propose_additional = false;
};

struct StaticToken {
  std::string token;
  std::vector<model::Asn> asns;
  std::string subject;
};

/// One trusted issuer of JWT access tokens ([[auth.issuers]]; RFC 9068, RFC 8725).
struct IssuerConfig {
  std::string issuer;    // must equal the token's "iss" exactly
  std::string audience;  // must be in the token's "aud"
  // Where the keys come from: exactly one of these.
  std::string jwks_uri;                 // fetched over HTTPS, cached, refreshed on unknown kid
  bool discovery = false;               // jwks_uri from RFC 8414 / OpenID discovery of `issuer`
  std::filesystem::path jwks_file;      // a local JWK Set (reloaded when it changes)
  std::vector<std::string> algorithms;  // allowlist, e.g. ["ES256", "EdDSA"]; HS* refused
  std::string asn_claim = "networks";   // [{asn, perms}] (PeeringDB shape) or [64501, ...]
  int min_perms = 15;                   // PeeringDB perms bits an entry needs
  bool accept_plain_jwt = false;        // also accept typ "JWT" or no typ (not only at+jwt)
};

/// PeeringDB OAuth: opaque access tokens checked at the profile endpoint.
struct PeeringDbOAuthConfig {
  std::string profile_url = "https://auth.peeringdb.com/profile/v1";
  int min_perms = 15;
  int cache_seconds = 300;
};

/// An identity provider allowed to register (draft section 5.1) and the ASNs it speaks for.
/// Operator configuration stands in for the RPKI-signed proof the draft anticipates.
struct AttestedIdp {
  std::string issuer;
  std::vector<model::Asn> asns;
};

struct AuthSection {
  std::vector<StaticToken> static_tokens;
  std::vector<IssuerConfig> issuers;
  std::optional<PeeringDbOAuthConfig> peeringdb_oauth;
  std::vector<AttestedIdp> attested_idps;  // [[auth.attested_idps]]; enables /oauth/client_register
  bool require_dpop = false;               // RFC 9449: every token must be DPoP-bound and proven
  bool require_signatures = false;         // RFC 9421: every request signed with the DPoP key
  bool dpop_nonce = false;                 // RFC 9449 section 8: proofs must carry a server nonce
  std::vector<std::string> proof_algorithms{"ES256", "EdDSA", "PS256", "RS256"};
  int leeway_seconds = 60;          // clock skew allowed for exp/nbf/iat, proofs and signatures
  int proof_max_age_seconds = 300;  // DPoP iat and RFC 9421 created may be this old
};

/// Every outbound request (JWKS, discovery, PeeringDB OAuth) goes through one guard (net/):
/// https to globally reachable addresses only, unless widened here on purpose.
struct OutboundSection {
  std::vector<std::string> http_hosts;        // hosts that may be fetched over plain http
  std::vector<std::string> allowed_prefixes;  // internal ranges that may be targets (CIDR)
  bool allow_loopback = false;                // tests and local development only
  std::filesystem::path ca_file;              // extra CA bundle (private CAs); empty: system
  int timeout_ms = 15'000;
};

/// A peer's Peering API endpoint named by hand ([[client.peers]]; draft section 6.2).
struct ClientPeer {
  model::Asn asn;
  std::string url;  // the API base, "https://peering.example.net/api" (no trailing "/")
};

/// The OAuth 2.0 grant [client.idp] uses to obtain access tokens.
enum class IdpGrant : std::uint8_t {
  client_credentials,  // RFC 6749 section 4.4
  token_exchange,      // RFC 8693 section 2.1 (the RPKI-attested IdP flow)
  dev,                 // minted locally with the development IdP key (auth/dev_idp.hpp)
};

/// How the client authenticates at the token endpoint (RFC 6749 section 2.3.1; RFC 7591
/// section 2 names the methods).
enum class TokenAuthMethod : std::uint8_t { client_secret_basic, client_secret_post, none };

/// [client.idp]: the identity provider that issues our access tokens (`peerapi token`, and every
/// client command when neither client.token nor client.token_file is set).
struct ClientIdpSection {
  IdpGrant grant = IdpGrant::client_credentials;
  /// RFC 8414 issuer: the token endpoint comes from its metadata unless token_endpoint is set.
  /// With grant "dev", the tokens' "iss".
  std::string issuer;
  std::string token_endpoint;  // absolute http(s) URL; used as is
  std::string client_id;
  std::string client_secret;  // or client_secret_file (first line); never printed
  std::filesystem::path client_secret_file;
  TokenAuthMethod auth_method = TokenAuthMethod::client_secret_basic;
  std::string scope;                   // space-separated scope tokens (RFC 6749 section 3.3)
  std::string audience;                // "audience" parameter (RFC 8693); dev: the tokens' "aud"
  std::vector<std::string> resources;  // RFC 8707 resource indicators (absolute URIs)
  std::filesystem::path subject_token_file;  // token_exchange: the first line is the token
  std::string subject_token_type = "urn:ietf:params:oauth:token-type:access_token";
  std::string requested_token_type;        // token_exchange; empty: the IdP's default
  std::filesystem::path token_cache_file;  // empty: tokens are not cached
  /// The development IdP (grant "dev", or `peerapi token --dev` with any grant): the private
  /// JWK that signs, and the tokens' lifetime.
  std::filesystem::path dev_key_file;
  std::int64_t dev_ttl_seconds = 3600;
};

/// [client.autopeer]: the regularly scheduled request (`peerapi autopeer`): which networks we
/// ask for sessions, and how long we leave a network alone after asking it.
struct ClientAutopeerSection {
  std::filesystem::path state_file;  // JSON; per ASN when it was last asked and the outcome
  std::int64_t backoff_hours = 168;  // a network is not asked again before this has passed
  std::vector<std::uint32_t> ixs;    // PeeringDB IX ids ("pdb:ix:N"); empty: all of ours
  bool ipv4 = true;                  // families = [4, 6] by default
  bool ipv6 = true;
  std::vector<model::Asn> deny_asns;  // never asked
  /// PeeringDB info_prefixes4/6 bounds a network must meet; a set bound and no count in
  /// PeeringDB skip the network.
  std::optional<std::uint32_t> min_prefixes4, max_prefixes4, min_prefixes6, max_prefixes6;
  int max_new_networks = 10;  // networks asked in one run at most
};

/// [client]: this network as an initiator (`peerapi locations | request | status | delete |
/// token | autopeer`).
struct ClientSection {
  std::optional<model::Asn> asn;         // our ASN in requests (local_asn); unset: network.asns[0]
  std::string token;                     // a static bearer token (development); or token_file
  std::filesystem::path token_file;      // a file whose first line is the access token
  std::filesystem::path dpop_key_file;   // private JWK: DPoP proofs (RFC 9449), RFC 9421 signatures
  bool sign_requests = false;            // RFC 9421 signatures too; needs dpop_key_file
  int timeout_ms = 15'000;               // one HTTP exchange, redirects included
  int max_retries = 3;                   // retries after 429, 503 and connection failures
  int max_retry_time_ms = 30'000;        // no retry starts later than this after the first try
  std::vector<ClientPeer> peers;         // manual endpoints, asked first
  std::filesystem::path directory_file;  // shared JSON [{"asn": N, "url": "..."}], second
  std::filesystem::path rpki_discovery_file;      // ASN -> URL table from an RPKI validator, third
  std::optional<ClientIdpSection> idp;            // [client.idp]
  std::optional<ClientAutopeerSection> autopeer;  // [client.autopeer]
};

/// [router]: the BGP daemon peerapi drives (issue 6). Absent: nothing is applied to a router and
/// approved sessions stay `approved`.
struct RouterSection {
  bool enabled = false;  // the section is present
  render::Daemon daemon = render::Daemon::bird;
  /// The daemon's release where syntax differs; unset: Debian 12's (render::default_version).
  std::optional<render::DaemonVersion> version;
  /// Where the rendered files go: the top-level file (bird.conf, frr.conf, bgpd.conf) and
  /// peerapi/. The daemon runs (or includes) the top-level file.
  std::filesystem::path config_dir;
  /// BIRD: birdc -s; OpenBGPD: bgpctl -s; FRR: the vty socket folder (vtysh --vty_socket).
  /// Empty: the daemon's default.
  std::string control_socket;
  /// The control program: birdc, vtysh or bgpctl (a name in PATH or a path). Empty: that name.
  std::string control_program;
  /// The daemon binary used as the offline checker (bird -p, bgpd -n, FRR bgpd -C).
  /// Empty: bird, /usr/sbin/bgpd (OpenBGPD), /usr/lib/frr/bgpd (FRR).
  std::string check_program;
  /// FRR only: the operator's own configuration, put before the rendered part in frr.conf.
  std::filesystem::path base_config;
  /// A name for this router, unique among the routers sharing one store (leases).
  std::string name = "default";
  int poll_interval_ms = 5'000;  // state reads and reconcile passes
  int command_timeout_ms = 60'000;
  /// Draft "Completion": a configured session that never comes up within this is removed from
  /// the router and reported `unestablished`.
  std::int64_t time_window_seconds = 86'400;
};

struct LogSection {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "text";  // "text" or "json" (one JSON object per line)
  /// One info line per request (server/metrics.hpp access_log): source, method, endpoint
  /// template, status, duration; never the query, body or credentials.
  bool access = false;
};

/// The audit log (docs/operations.md "Audit log").
struct AuditSection {
  /// Entries older than this many days are deleted (hourly, and once at start); 0 keeps every
  /// entry forever.
  int retention_days = 365;
};

/// 127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7.
std::vector<model::Prefix> default_metrics_senders();

/// Who may call which endpoints (limits.allowed_senders): per group a list of prefixes the
/// source address must fall in; an empty list allows every address.
struct AllowedSenders {
  std::vector<model::Prefix> api;           // locations and sessions endpoints
  std::vector<model::Prefix> registration;  // oauth/client_register
  std::vector<model::Prefix> health;        // healthz, readyz, openapi.yaml
  /// <base_path>metrics; default loopback and private ranges (RFC 1918, RFC 4193).
  std::vector<model::Prefix> metrics = default_metrics_senders();
};

/// [limits]: admission control before and after authentication (server/admission.hpp,
/// docs/security.md "Rate limits, caps and allowed senders"). A rate of 0 turns its bucket off.
struct LimitsSection {
  double per_address_rate = 50.0;  // requests/s per source address (IPv6 per /64)
  std::int64_t per_address_burst = 200;
  double per_asn_rate = 20.0;  // requests/s per ASN the authenticated caller acts for
  std::int64_t per_asn_burst = 100;
  std::int64_t max_pending_per_requester = 100;  // pending sessions per local_asn; 0 = off
  std::int64_t max_tracked_keys = 100'000;       // buckets per table (addresses, ASNs)
  /// Peers whose X-Forwarded-For is believed (its rightmost hop that is not one of them).
  std::vector<model::Prefix> trusted_proxies;
  AllowedSenders allowed_senders;
};

struct Config {
  ServerSection server;
  NetworkSection network;
  StoreSection store;
  PeeringDbSection peeringdb;
  ApprovalSection approval;
  /// [policy]: the operator's peering policy (policy/operator_policy.hpp).
  policy::Rules policy;
  SourcesSection sources;
  /// [render]: how sessions become router configuration (render/render_input.hpp Options).
  render::Options render;
  AuthSection auth;
  OutboundSection outbound;
  LogSection log;
  ClientSection client;
  RouterSection router;
  LimitsSection limits;
  AuditSection audit;
};

/// Every problem found, each naming its key path and line ("server.listen[0]", line 3).
using ConfigResult = std::expected<Config, std::vector<Error>>;

/// Parses TOML text. `origin` names the file in messages. Relative paths stay relative (they
/// are resolved against the working directory when used).
ConfigResult parse_config(std::string_view toml_text, std::string_view origin = "config");
ConfigResult load_config(const std::filesystem::path& file);

/// "file:line: key: message" lines for a person.
std::string describe(const std::vector<Error>& errors);

}  // namespace peerapi::config
