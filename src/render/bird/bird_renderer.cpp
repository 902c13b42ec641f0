// Placeholder until the bird renderer lands (issue 5, in progress).
#include "render/renderer.hpp"

namespace peerapi::render {

Rendering render_bird(const RenderInput&) {
  return Rendering{{}, {Notice{"", "renderer", "the bird renderer is not built yet"}}};
}

}  // namespace peerapi::render
