#include "server/registration_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "api/codec.hpp"
#include "server/responses.hpp"

namespace peerapi::server {

namespace {

namespace json = boost::json;

constexpr int kMaxDepth = 4;

HttpResponse unavailable(Error error, std::int64_t retry_after_s) {
  HttpResponse response = error_response(
      503, Error{ErrorCode::unavailable, std::move(error.field), std::move(error.message)});
  response.headers.emplace_back("Retry-After",
                                std::to_string(std::max<std::int64_t>(1, retry_after_s)));
  return response;
}

HttpResponse store_unavailable(const Error& error) {
  spdlog::error("store: {}", error.message);
  return unavailable(Error{ErrorCode::unavailable, "", "the store is unavailable; retry later"}, 1);
}

HttpResponse client_id_response(const std::string& client_id) {
  return json_response(200, json::serialize(json::object{{"client_id", client_id}}));
}

/// {"idp_base": string} and nothing else.
Result<std::string> decode_body(std::string_view body) {
  auto parsed = api::parse_json(body, kMaxDepth);
  if (!parsed)
    return std::unexpected(parsed.error());
  const json::object* object = parsed->if_object();
  if (object == nullptr)
    return fail(ErrorCode::wrong_type, "", "the body must be a JSON object {\"idp_base\": URL}");
  for (const auto& member : *object) {
    if (member.key() != "idp_base") {
      const std::string name(member.key().substr(0, 64));
      return fail(ErrorCode::unknown_field, name,
                  "unknown member \"" + name + "\" (known: idp_base)");
    }
  }
  const json::value* idp_base = object->if_contains("idp_base");
  if (idp_base == nullptr) {
    return fail(ErrorCode::missing_field, "idp_base",
                "idp_base is required: the URL of your identity provider (its issuer)");
  }
  if (!idp_base->is_string())
    return fail(ErrorCode::wrong_type, "idp_base", "must be a string (an https URL)");
  return std::string(idp_base->get_string());
}

std::string asn_list(const std::vector<model::Asn>& asns) {
  std::string out;
  for (const auto& asn : asns)
    out += (out.empty() ? "" : ", ") + asn.to_string();
  return out;
}

store::IdpRegistration to_store(const auth::IdpRegistration& r) {
  return store::IdpRegistration{.issuer = r.issuer,
                                .client_id = r.client_id,
                                .client_secret = r.client_secret,
                                .client_secret_expires_at = r.client_secret_expires_at,
                                .asns = r.asns,
                                .jwks_uri = r.jwks_uri,
                                .created_at_ms = r.created_at_ms};
}

/// The stored registration for `issuer` that is still usable: none when absent or when its
/// client secret has expired (RFC 7591 section 3.2.1; 0 means never).
Result<std::optional<store::IdpRegistration>> usable_registration(RegistrationDeps& deps,
                                                                  std::string_view issuer) {
  auto all = deps.store.idp_registrations();
  if (!all)
    return std::unexpected(all.error());
  for (auto& registration : *all) {
    if (registration.issuer != issuer)
      continue;
    const auto expires = registration.client_secret_expires_at;
    if (expires && *expires != 0 && *expires * 1000 <= deps.clock.now_ms())
      return std::nullopt;
    return std::move(registration);
  }
  return std::nullopt;
}

/// What asns_for sees at start-up: the stored issuer and jwks_uri, nothing fetched.
auth::AuthorizationServerMetadata stored_metadata(const store::IdpRegistration& stored) {
  auth::AuthorizationServerMetadata metadata;
  metadata.issuer = stored.issuer;
  metadata.jwks_uri = stored.jwks_uri;
  return metadata;
}

/// Holds the issuer's in-flight slot for the lifetime of a registration attempt.
class InFlight {
 public:
  InFlight(RegistrationState& state, std::string issuer)
      : state_(state), issuer_(std::move(issuer)) {}
  ~InFlight() {
    const std::lock_guard lock(state_.mutex);
    state_.in_flight.erase(issuer_);
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  RegistrationState& state_;
  std::string issuer_;
};

}  // namespace

HttpResponse handle_client_register(const HttpRequest& request, RegistrationDeps& deps) {
  if (!is_json_content_type(request.header("Content-Type")))
    return unsupported_media_type();
  auto idp_base = decode_body(request.body);
  if (!idp_base)
    return from_error(idp_base.error());
  // Syntax and attestation first: nothing below runs for an IdP that cannot be attested.
  if (auto checked = deps.registrar.precheck(*idp_base); !checked)
    return from_error(checked.error());

  auto existing = usable_registration(deps, *idp_base);
  if (!existing)
    return store_unavailable(existing.error());
  if (*existing)
    return client_id_response((*existing)->client_id);

  RegistrationState& state = *deps.state;
  {
    const std::lock_guard lock(state.mutex);
    if (state.in_flight.contains(*idp_base)) {
      return unavailable(Error{ErrorCode::unavailable, "idp_base",
                               "a registration at this IdP is in progress; retry shortly"},
                         2);
    }
    if (auto failed = state.failed_at_ms.find(*idp_base); failed != state.failed_at_ms.end()) {
      const std::int64_t wait_ms =
          failed->second + deps.retry_after_failure_ms - deps.clock.now_ms();
      if (wait_ms > 0) {
        return unavailable(Error{ErrorCode::unavailable, "idp_base",
                                 "the last registration attempt at this IdP failed moments ago; "
                                 "retry later"},
                           (wait_ms + 999) / 1000);
      }
      state.failed_at_ms.erase(failed);
    }
    state.in_flight.insert(*idp_base);
  }
  const InFlight slot(state, *idp_base);

  // Another request may have registered between the first look and taking the slot.
  existing = usable_registration(deps, *idp_base);
  if (!existing)
    return store_unavailable(existing.error());
  if (*existing)
    return client_id_response((*existing)->client_id);

  auto registered = deps.registrar.register_at(*idp_base);
  if (!registered) {
    {
      const std::lock_guard lock(state.mutex);
      state.failed_at_ms[*idp_base] = deps.clock.now_ms();
    }
    spdlog::warn("client registration at {} failed: {}", *idp_base, registered.error().message);
    if (registered.error().code == ErrorCode::unavailable)
      return unavailable(registered.error(), (deps.retry_after_failure_ms + 999) / 1000);
    return from_error(registered.error());
  }
  if (auto saved = deps.store.save_idp_registration(to_store(*registered)); !saved) {
    spdlog::warn("registered at {} as client {}, but could not store it", registered->issuer,
                 registered->client_id);
    return store_unavailable(saved.error());
  }
  deps.validator.add_issuer(auth::registered_issuer_policy(
      *registered, deps.key_source(registered->jwks_uri), deps.leeway_ms));
  spdlog::info("registered at IdP {} as client {}; its tokens are accepted for {}",
               registered->issuer, registered->client_id, asn_list(registered->asns));
  return client_id_response(registered->client_id);
}

Result<std::size_t> load_registered_issuers(RegistrationDeps& deps) {
  auto all = deps.store.idp_registrations();
  if (!all)
    return std::unexpected(all.error());
  std::size_t loaded = 0;
  for (const store::IdpRegistration& stored : *all) {
    const auto not_attested = [&] {
      spdlog::warn("stored registration at IdP {} ignored: the IdP is no longer attested",
                   stored.issuer);
    };
    if (!deps.attestation.may_attest(stored.issuer)) {
      not_attested();
      continue;
    }
    const auth::AuthorizationServerMetadata metadata = stored_metadata(stored);
    auto asns = deps.attestation.asns_for(stored.issuer, metadata);
    if (!asns || asns->empty()) {
      not_attested();
      continue;
    }
    auth::IdpRegistration registration{.issuer = stored.issuer,
                                       .client_id = stored.client_id,
                                       .client_secret = std::nullopt,
                                       .client_secret_expires_at = std::nullopt,
                                       .asns = std::move(*asns),
                                       .jwks_uri = stored.jwks_uri,
                                       .created_at_ms = stored.created_at_ms};
    deps.validator.add_issuer(auth::registered_issuer_policy(
        registration, deps.key_source(registration.jwks_uri), deps.leeway_ms));
    spdlog::info("IdP {} (registered as client {}): tokens accepted for {}", registration.issuer,
                 registration.client_id, asn_list(registration.asns));
    ++loaded;
  }
  return loaded;
}

}  // namespace peerapi::server
