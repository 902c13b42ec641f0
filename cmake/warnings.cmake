# Warnings for our own code; third-party headers are SYSTEM includes and stay quiet.
set(PEERAPI_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(PEERAPI_WERROR)
  list(APPEND PEERAPI_WARNINGS -Werror)
endif()

# peerapi_layer(NAME DIR DEPS...): a static library from src/<dir>/*.cpp (and subfolders;
# "FLAT:<dir>" takes the folder's own files only).
function(peerapi_layer name dir)
  if(dir MATCHES "^FLAT:")
    # Only the folder's own files, not its subfolders (which are layers of their own).
    string(REGEX REPLACE "^FLAT:" "" dir "${dir}")
    file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cpp)
  else()
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cpp)
  endif()
  if(NOT sources)
    # A layer whose first files have not landed yet still yields a linkable library.
    set(sources ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp)
    file(WRITE ${sources} "// ${name}: no sources yet\n")
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${PEERAPI_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARGN})
endfunction()
