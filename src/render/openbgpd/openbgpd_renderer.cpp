// Placeholder until the openbgpd renderer lands (issue 5, in progress).
#include "render/renderer.hpp"

namespace peerapi::render {

Rendering render_openbgpd(const RenderInput&) {
  return Rendering{{}, {Notice{"", "renderer", "the openbgpd renderer is not built yet"}}};
}

}  // namespace peerapi::render
