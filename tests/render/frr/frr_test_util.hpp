// Helpers of the FRR renderer tests: files of a rendering, written out or looked up.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "render/renderer.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::frr {

/// Writes every file of `rendering` under `dir`; returns the top-level file's path.
inline std::filesystem::path write_rendering(const render::Rendering& rendering,
                                             const std::filesystem::path& dir) {
  std::filesystem::path top;
  for (const render::RenderedFile& file : rendering.files) {
    write_file(dir / file.name, file.text);
    if (file.top_level)
      top = dir / file.name;
  }
  return top;
}

/// The text of the file `name`, or "" (with a test failure) when the rendering has none.
inline std::string file_text(const render::Rendering& rendering, std::string_view name) {
  for (const render::RenderedFile& file : rendering.files) {
    if (file.name == name)
      return file.text;
  }
  ADD_FAILURE() << "no rendered file " << name;
  return "";
}

inline bool has_file(const render::Rendering& rendering, std::string_view name) {
  for (const render::RenderedFile& file : rendering.files) {
    if (file.name == name)
      return true;
  }
  return false;
}

inline std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t found = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size()))
    ++found;
  return found;
}

inline bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

}  // namespace peerapi::testing::frr
