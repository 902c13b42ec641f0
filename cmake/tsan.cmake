# PEERAPI_TSAN: a ThreadSanitizer build for the tests labelled "concurrency" (make build-tsan;
# docs/building.md). Every target, the `peerapi` binary included, is instrumented, so the
# integration tests that start a real server find races in the server too. Suppressions for
# uninstrumented third-party code: cmake/tsan.supp (never for our own code).
if(PEERAPI_TSAN)
  if(PEERAPI_SANITIZE OR PEERAPI_FUZZ)
    message(FATAL_ERROR "PEERAPI_TSAN cannot be combined with PEERAPI_SANITIZE or PEERAPI_FUZZ")
  endif()
  # g++ 12 warns (-Wtsan) that TSan does not model std::atomic_thread_fence, which Boost.Asio's
  # scheduler uses (boost/asio/detail/executor_op.hpp); our code uses no fences. The warning is
  # kept visible but not an error, or no Asio code would build under TSan.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-error=tsan)
  add_link_options(-fsanitize=thread)
endif()
