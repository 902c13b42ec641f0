// One entry point for every daemon: `render(input)` picks the daemon's renderer from a table and
// returns the files to write plus the notices (rules or features the daemon cannot express).
//
// Output layout (relative file names, '/' separated, sorted by name in `files`):
//   the top-level file       bird.conf | frr.conf | bgpd.conf  (includes or contains the rest)
//   shared objects           peerapi/<name>.conf (bogon sets, RPKI/RTR stanza, announce list)
//   one file per session     peerapi/sessions/<session_name>.conf
// Operators who keep their own main file include the shared and per-session files from it.
// Text is deterministic: no timestamps, host names or unordered containers.
#pragma once

#include <string>
#include <vector>

#include "render/filter_plan.hpp"
#include "render/render_input.hpp"

namespace peerapi::render {

struct RenderedFile {
  std::string name;  // relative path, e.g. "peerapi/sessions/as64501_1a2b3c4d.conf"
  std::string text;
  bool top_level = false;  // bird.conf / frr.conf / bgpd.conf
};

struct Rendering {
  std::vector<RenderedFile> files;  // sorted by name
  std::vector<Notice> notices;      // in output order
};

/// Renders with the renderer of `input.daemon`. Pure; deterministic.
Rendering render(const RenderInput& input);

/// The renderers (render/bird, render/frr, render/openbgpd). Same contract as `render`.
Rendering render_bird(const RenderInput& input);
Rendering render_frr(const RenderInput& input);
Rendering render_openbgpd(const RenderInput& input);

}  // namespace peerapi::render
