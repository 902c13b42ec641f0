#include "router/driver.hpp"

namespace peerapi::router {

std::string_view to_string(BgpState state) noexcept {
  switch (state) {
    case BgpState::idle:
      return "idle";
    case BgpState::connect:
      return "connect";
    case BgpState::active:
      return "active";
    case BgpState::open_sent:
      return "open_sent";
    case BgpState::open_confirm:
      return "open_confirm";
    case BgpState::established:
      return "established";
    case BgpState::disabled:
      return "disabled";
  }
  return "idle";
}

}  // namespace peerapi::router
