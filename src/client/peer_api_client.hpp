// The initiator's typed client for one peer's Peering API (docs/wire.md): every endpoint, with
// retries (retry.hpp), DPoP proofs and RFC 9421 signatures (auth::RequestSigner), and checked
// decoding (wire.hpp). HTTP goes through net::HttpClient and so through the outbound guard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/request_signer.hpp"
#include "client/client_error.hpp"
#include "client/retry.hpp"
#include "client/wire.hpp"
#include "model/asn.hpp"
#include "model/location.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::client {

struct ClientOptions {
  /// The peer's API base ("https://peering.example.net/api"); paths are appended to it.
  std::string base_url;
  /// The access token; empty sends no Authorization (only /oauth/client_register works then).
  std::string access_token;
  /// With a signer, requests carry "Authorization: DPoP" and a DPoP proof (RFC 9449 section
  /// 7.1); without, "Authorization: Bearer" (RFC 6750 section 2.1). Must outlive the client.
  const auth::RequestSigner* signer = nullptr;
  /// RFC 9421 signatures with the DPoP key as well (needs `signer`).
  bool sign_requests = false;
  RetryPolicy retry;
  /// GET /sessions and /locations page size (1-100).
  int page_size = 100;
  /// A pager gives up after this many pages (a server that never stops paging).
  std::size_t max_pages = 10'000;
};

/// Follows next_token from page to page (docs/wire.md "Pagination"). A token the server already
/// gave in this walk is a decode error at "next_token": the walk would never end.
template <class T>
class Pager {
 public:
  using Fetch = std::function<ClientResult<Page<T>>(const std::optional<std::string>& token)>;
  Pager(Fetch fetch, std::size_t max_pages) : fetch_(std::move(fetch)), max_pages_(max_pages) {}

  /// The next page's items; nullopt once the last page was returned.
  ClientResult<std::optional<std::vector<T>>> next_page() {
    if (done_)
      return std::optional<std::vector<T>>();
    if (pages_ >= max_pages_) {
      return decode_failure(
          Error{ErrorCode::too_many_items, "next_token",
                "the server kept paging beyond " + std::to_string(max_pages_) + " pages"});
    }
    auto page = fetch_(token_);
    if (!page)
      return std::unexpected(std::move(page.error()));
    ++pages_;
    if (page->next_token) {
      if (!seen_.insert(*page->next_token).second) {
        done_ = true;
        return decode_failure(Error{ErrorCode::invalid_value, "next_token",
                                    "the server repeated a pagination token"});
      }
      token_ = std::move(page->next_token);
    } else {
      done_ = true;
    }
    return std::optional<std::vector<T>>(std::move(page->items));
  }

  /// The next item across pages; nullopt after the last.
  ClientResult<std::optional<T>> next() {
    while (buffer_index_ >= buffer_.size()) {
      auto page = next_page();
      if (!page)
        return std::unexpected(std::move(page.error()));
      if (!*page)
        return std::optional<T>();
      buffer_ = std::move(**page);
      buffer_index_ = 0;
    }
    return std::optional<T>(std::move(buffer_[buffer_index_++]));
  }

  /// Every remaining item.
  ClientResult<std::vector<T>> collect() {
    std::vector<T> out;
    for (;;) {
      auto page = next_page();
      if (!page)
        return std::unexpected(std::move(page.error()));
      if (!*page)
        return out;
      for (auto& item : **page)
        out.push_back(std::move(item));
    }
  }

  [[nodiscard]] std::size_t pages() const noexcept { return pages_; }

 private:
  Fetch fetch_;
  std::size_t max_pages_;
  std::optional<std::string> token_;
  std::set<std::string> seen_;
  std::size_t pages_ = 0;
  bool done_ = false;
  std::vector<T> buffer_;
  std::size_t buffer_index_ = 0;
};

struct CreateRequest {
  /// Makes the request idempotent on the server (docs/wire.md "POST /sessions"); a fresh v4 UUID
  /// is used when absent, so the call may always be retried safely.
  std::optional<model::Uuid> request_id{};
  std::optional<std::string> return_url{};
  std::vector<model::SessionRequest> sessions{};
};

struct SessionQuery {
  model::Asn asn;                           // ours: the sessions this network requested
  std::optional<model::Uuid> request_id{};  // the server's request id
};

class PeerApiClient {
 public:
  /// `http`, `clock`, `random` and `sleeper` must outlive the client. Safe to use from several
  /// threads at once.
  PeerApiClient(ClientOptions options, net::HttpClient& http, const util::Clock& clock,
                util::RandomSource& random, Sleeper& sleeper);

  /// GET /locations?asn=<peer ASN>: every page.
  ClientResult<std::vector<RemoteLocation>> list_locations(
      model::Asn peer_asn, std::optional<model::LocationType> type = std::nullopt);
  /// GET /locations, one page at a time.
  Pager<RemoteLocation> locations(model::Asn peer_asn,
                                  std::optional<model::LocationType> type = std::nullopt);

  /// POST /sessions. 200 and 422 are answers (CreateAnswer::http_status); every other status is
  /// an http failure with the server's errors (400 malformed, 403 unauthorized ASN, 409 reused
  /// request_id...). The request id sent is the answer's client_request_id.
  ClientResult<CreateAnswer> create_sessions(const CreateRequest& request);

  /// GET /sessions?asn=..[&request_id=..], one page at a time.
  Pager<model::Session> sessions(const SessionQuery& query);
  /// Every page of sessions().
  ClientResult<std::vector<model::Session>> list_sessions(const SessionQuery& query);

  /// GET /sessions/{id}; 404 (unknown or not ours) is an http failure with status 404.
  ClientResult<model::Session> get_session(const model::Uuid& session_id);
  /// DELETE /sessions/{id}: 204. Deleting a deleted session succeeds again.
  ClientResult<void> delete_session(const model::Uuid& session_id);
  /// DELETE /sessions with a body, 1-100 ids.
  ClientResult<BatchDeleteAnswer> delete_sessions(std::span<const model::Uuid> session_ids);
  /// POST /oauth/client_register {"idp_base"}: the client id the server holds at that IdP.
  /// Unauthenticated (no token is sent).
  ClientResult<std::string> register_client(std::string_view idp_base);

  [[nodiscard]] const std::string& base_url() const noexcept { return options_.base_url; }
  /// The last DPoP-Nonce the server sent (RFC 9449 section 8), if any.
  [[nodiscard]] std::optional<std::string> dpop_nonce() const;

 private:
  struct Call {
    net::Method method = net::Method::get;
    std::string target{};  // path and query, appended to base_url
    std::string body{};
    bool authenticated = true;
    /// Whether a transport failure may be retried: GET and DELETE (RFC 9110 section 9.2.2) and
    /// POST /sessions, which carries a request_id.
    bool idempotent = true;
  };

  struct Exchanged {
    net::HttpResult result;
    int attempts = 1;
  };
  ClientResult<Exchanged> exchange(const Call& call);
  /// The http failure for an answer with an unexpected status.
  [[nodiscard]] ClientError unexpected_status(const Exchanged& exchanged) const;
  ClientResult<Page<RemoteLocation>> locations_page(model::Asn peer_asn,
                                                    std::optional<model::LocationType> type,
                                                    const std::optional<std::string>& token);
  ClientResult<Page<model::Session>> sessions_page(const SessionQuery& query,
                                                   const std::optional<std::string>& token);
  void remember_nonce(const net::HttpResult& result);

  ClientOptions options_;
  net::HttpClient& http_;
  const util::Clock& clock_;
  util::RandomSource& random_;
  Sleeper& sleeper_;
  mutable std::mutex nonce_mutex_;
  std::optional<std::string> nonce_;
};

/// The ClientError for a non-2xx answer: the server's error list when the body has the Peering
/// API error shape, the Retry-After it sent, and the summary code of the status.
ClientError http_failure(const net::HttpResult& result, std::int64_t now_ms);

}  // namespace peerapi::client
