# The two commands an operator needs are `make run` and `make test`; both install what is missing.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
CONFIG ?= examples/peerapi.toml
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
CMAKE_FLAGS ?=

.PHONY: deps build build-asan build-fuzz build-tsan run demo test test-unit test-asan fuzz fuzz-smoke bench bench-soak update-golden format format-check clean

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPEERAPI_SANITIZE=ON -DPEERAPI_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)

build-fuzz: deps
	@CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEERAPI_FUZZ=ON -DPEERAPI_TESTS=OFF -DPEERAPI_BENCH=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

# ThreadSanitizer: only what the tests labelled "concurrency" need (tests/CMakeLists.txt).
build-tsan: deps
	@cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEERAPI_TSAN=ON -DPEERAPI_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target concurrency_tests

run: build
	@scripts/dev-idp-setup
	build/peerapi serve --config $(CONFIG)

demo: build
	@scripts/demo

# Every test: normal build, then the same suite under ASan+UBSan, then a short run of each fuzzer
# and of the benchmarks (which fail on any error answer under load). The 20-second soak smoke
# enforces zero errors only; it prints its memory growth, which bench/soak enforces from 300 s.
test: build build-asan build-tsan build-fuzz
	@$(MAKE) --no-print-directory format-check
	@echo "== tests (RelWithDebInfo) =="
	@cd build && ctest --output-on-failure -j $(JOBS) --timeout 300
	@echo "== tests (ASan+UBSan) =="
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/cmake/lsan.supp \
	  ctest --output-on-failure -j $(JOBS) --timeout 600
	@echo "== tests (TSan: concurrency) =="
	@JOBS=$(JOBS) scripts/run-concurrency-tests build-tsan
	@$(MAKE) --no-print-directory fuzz-smoke
	@echo "== benchmark smoke =="
	@BENCH_QUICK=1 bench/run-all
	@BENCH_QUICK=1 bench/replicas-bench
	@SOAK_SECONDS=20 SOAK_PEAK_SECONDS=5 bench/soak

fuzz-smoke: build-fuzz
	@scripts/run-fuzzers build-fuzz $(FUZZ_SMOKE_SECONDS)

fuzz: build-fuzz
	@scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

bench: build
	@bench/run-all
	@bench/replicas-bench

# 10 minutes (SOAK_SECONDS) of mixed traffic at 80% of the measured peak; fails on any error of a
# valid request or a resident memory growth above 5% (docs/benchmarks.md "Soak").
bench-soak: build
	@bench/soak

# Rewrites the rendered-configuration golden files (tests/render/golden/) from the renderers;
# review the diff before committing it.
update-golden: build
	@for t in render_bird_test render_frr_test render_openbgpd_test; do \
	  if [ -x build/tests/$$t ]; then PEERAPI_UPDATE_GOLDEN=1 build/tests/$$t --gtest_brief=1 || exit 1; fi; \
	done
	@git status --short tests/render/golden

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp') && echo "clang-format: clean"

clean:
	rm -rf build build-asan build-fuzz build-tsan
