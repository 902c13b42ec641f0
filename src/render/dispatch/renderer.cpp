#include "render/renderer.hpp"

#include <algorithm>
#include <array>

namespace peerapi::render {

namespace {

using RenderFunction = Rendering (*)(const RenderInput&);

constexpr std::array<std::pair<Daemon, RenderFunction>, 3> kRenderers{{
    {Daemon::bird, &render_bird},
    {Daemon::frr, &render_frr},
    {Daemon::openbgpd, &render_openbgpd},
}};

}  // namespace

Rendering render(const RenderInput& input) {
  for (const auto& [daemon, function] : kRenderers) {
    if (daemon != input.daemon)
      continue;
    Rendering rendering = function(input);
    std::sort(rendering.files.begin(), rendering.files.end(),
              [](const RenderedFile& a, const RenderedFile& b) { return a.name < b.name; });
    return rendering;
  }
  return {};
}

}  // namespace peerapi::render
