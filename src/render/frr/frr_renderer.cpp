// Placeholder until the frr renderer lands (issue 5, in progress).
#include "render/renderer.hpp"

namespace peerapi::render {

Rendering render_frr(const RenderInput&) {
  return Rendering{{}, {Notice{"", "renderer", "the frr renderer is not built yet"}}};
}

}  // namespace peerapi::render
