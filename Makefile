# A thin front over CMake. The two commands a new user needs are `make run`
# and `make test`; both install missing Debian packages first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60
CMAKE_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test bench asan check-asan fuzz clean

all: build

deps:
	@sh scripts/deps.sh build

# Quiet: the compiler's output goes to $(BUILD)/build.log and is shown
# only when the build fails.
build: deps
	@mkdir -p $(BUILD)
	@echo "firedrill: building in $(BUILD)/ (log: $(BUILD)/build.log)"
	@{ cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) && \
	   cmake --build $(BUILD) -j $(JOBS); } >$(BUILD)/build.log 2>&1 || \
	 { grep -E 'error|Error|warning' $(BUILD)/build.log | head -40; \
	   echo "firedrill: the build failed; the whole log is $(BUILD)/build.log" >&2; exit 1; }

run: build
	@./$(BUILD)/firedrill run scenarios/tencent-2024-04-08; rc=$$?; \
	 echo; \
	 echo "Next:"; \
	 echo "  ./$(BUILD)/firedrill run scenarios/tencent-2024-04-08 --out out   # then open out/report.html"; \
	 echo "  ./$(BUILD)/firedrill run scenarios/netease-2024-08-18             # the other replay"; \
	 echo "  ./$(BUILD)/firedrill gameday scenarios/tencent-2024-04-08         # a game day: people play the on-call"; \
	 echo "  ./$(BUILD)/firedrill new my-drill                                 # a drill of your own"; \
	 echo "  docs/scenarios.md: writing a scenario, from write-up to passing drill"; \
	 exit $$rc

test:
	@sh scripts/deps.sh test
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	@sh scripts/deps.sh test
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFD_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  FD_SANITIZED=1 ctest --output-on-failure -j $(JOBS)

# The libFuzzer targets of tests/fuzz, built with clang and the sanitizers,
# each run for FUZZ_SECONDS (scripts/fuzz.sh).
fuzz:
	@sh scripts/fuzz.sh $(FUZZ_SECONDS)

bench:
	@sh scripts/deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@sh bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
