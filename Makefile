# samtale: one non-recursive Makefile. Each source folder contributes a
# module.mk that appends its sources to LIB_SRCS; everything is linked into
# one static library used by the server, the tests and the fuzzers.
#
#   make            debug build of build/debug/samtale
#   make run        install missing packages, build, make dev certs, serve
#   make test       install test tools, build, run every test
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make release    optimised build in build/release/
#   make fuzz       run every fuzz target for FUZZ_SECONDS each
#   make bench      run the benchmarks (release build; docs/BENCHMARKS.md)
#   make janus-check  the load generator against Janus (root; installs janus)
#   make certs      development CA + localhost certificate (only if missing)
#   make format / format-check

MODE ?= debug
BUILD := build/$(MODE)

CC ?= cc
ifeq ($(MODE),fuzz)
CC := clang
endif
ifeq ($(MODE),asan)
CC := clang
endif

PKGS := libwebsockets openssl jansson sqlite3 opus vpx spandsp speexdsp libosip2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libsrtp2 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libsrtp2 is the test oracle of our SRTP (media/srtp.h): linked into the
# unit tests, fuzzers and benchmarks, not into the server.
ORACLE_LIBS := $(shell pkg-config --libs libsrtp2 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -Wformat=2 -Wimplicit-fallthrough
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

CPPFLAGS += -I. -D_GNU_SOURCE -DSAMTALE_VERSION=\"$(VERSION)\"
CFLAGS := -std=c11 $(WARN) -fstack-protector-strong -fPIE -g $(PKG_CFLAGS) -MMD -MP
LDFLAGS := -pie
LDLIBS := $(PKG_LIBS) -lpthread -lm

ifeq ($(MODE),debug)
CFLAGS += -O1
endif
ifeq ($(MODE),release)
CFLAGS += -O2 -D_FORTIFY_SOURCE=3 -DNDEBUG
endif
ifeq ($(MODE),asan)
CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(MODE),fuzz)
CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
          -fno-sanitize-recover=all -DSAMTALE_FUZZING
LDFLAGS += -fsanitize=fuzzer,address,undefined
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

LIB_SRCS :=
include base/module.mk
include server/module.mk
include signaling/module.mk
include media/module.mk
LOAD_SRCS :=
include tests/load/module.mk

MAIN_SRC := server/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libsamtale.a
BIN := $(BUILD)/samtale
LOAD_OBJS := $(LOAD_SRCS:%.c=$(BUILD)/obj/%.o)
LOAD_LIB := $(BUILD)/libload.a
# The native load generator (tests/load/): its main program over libload.a.
LOAD_BIN := $(BUILD)/load/samtale-load

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
# Small standalone programs end-to-end tests run (build/<mode>/tests/tools/).
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/tools/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
# The phone's spoken prompts (signaling/prompts.h), one build for every mode.
PROMPTS := build/prompts/.made
# Benchmarks (build/<mode>/bench/); `make bench` runs them in a release build.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
# The limit probe's helper sources (not benchmarks of their own).
PROBE_SRCS := tests/bench/lprobe_tx.c tests/bench/lprobe_report.c
PROBE_OBJS := $(PROBE_SRCS:%.c=$(BUILD)/obj/%.o)

.SECONDARY:

.PHONY: all build run test asan release fuzz fuzz-build certs lan-certs deps test-deps \
        unit bench bench-deps bench-mixer bench-srtp bench-probe bench-load-vp8 bench-router bench-rtx-cache \
        bench-stun bench-timers bench-capacity janus-check format format-check clean

all: build
build: $(BIN) $(UNIT_BINS) $(TOOL_BINS) $(PROMPTS) $(BENCH_BINS) $(LOAD_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LOAD_LIB): $(LOAD_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/$(MAIN_SRC:.c=.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LOAD_BIN): $(BUILD)/obj/tests/load/load_main.o $(LOAD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LOAD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(ORACLE_LIBS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LOAD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ORACLE_LIBS) $(LDLIBS)

# The limit probe also links its helpers and the load generator's mark.
$(BUILD)/bench/bench_probe: $(BUILD)/obj/tests/bench/bench_probe.o $(PROBE_OBJS) $(LOAD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(PROMPTS): mk/prompts/prompts.txt mk/prompts/speak.sh
	@sh mk/prompts/speak.sh mk/prompts/prompts.txt build/prompts
	@touch $@

# Fuzzers live at build/fuzz/fuzz_* (built with MODE=fuzz).
build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o $(LOAD_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ORACLE_LIBS) $(LDLIBS)

deps:
	@sh mk/deps.sh build

test-deps:
	@sh mk/deps.sh test

bench-deps:
	@sh mk/deps.sh bench

certs:
	@sh certs/make-dev-certs.sh certs/dev

# A certificate for trying samtale from a phone on the local network (README.md).
lan-certs:
	@test -n "$(HOST)" || { echo "usage: make lan-certs HOST=192.168.1.20 (this machine's LAN address or name)"; exit 2; }
	@sh certs/make-dev-certs.sh certs/lan $(HOST)

run: deps
	@$(MAKE) --no-print-directory MODE=$(MODE) build
	@$(MAKE) --no-print-directory certs
	@sh mk/run.sh $(BIN)

release:
	@$(MAKE) --no-print-directory MODE=release build

# The suite: unit tests, fuzz corpus replay + smoke, integration over HTTPS/WSS.
test: test-deps
	@$(MAKE) --no-print-directory MODE=$(MODE) build
	@$(MAKE) --no-print-directory MODE=fuzz fuzz-build
	@$(MAKE) --no-print-directory certs
	@sh tests/run.sh $(BUILD) build/fuzz

asan: test-deps
	@$(MAKE) --no-print-directory MODE=asan build
	@$(MAKE) --no-print-directory certs
	@SAMTALE_NO_FUZZ=1 SAMTALE_SANITIZED=1 sh tests/run.sh build/asan build/fuzz

unit: build
	@SAMTALE_ONLY=unit sh tests/run.sh $(BUILD) build/fuzz

fuzz-build: $(FUZZ_BINS)

# Benchmarks print their results; docs/BENCHMARKS.md records them.
bench: bench-deps
	@$(MAKE) --no-print-directory bench-mixer bench-srtp bench-router bench-rtx-cache bench-stun \
	    bench-probe bench-load-vp8 bench-timers bench-capacity
# samtale against Janus and the limit probe under the load generator, in a
# network namespace of its own (root; about 18 minutes, 10 of them the churn
# run); writes docs/BENCHMARKS.md section 9. E.g. CAPACITY_ARGS="--scenarios a".
CAPACITY_ARGS ?= --perf --write docs/BENCHMARKS.md
bench-capacity: bench-deps
	@$(MAKE) --no-print-directory MODE=release build build/release/bench/bench_probe
	@$(MAKE) --no-print-directory certs
	@sh tests/bench/capacity.sh $(CAPACITY_ARGS)
bench-mixer:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_mixer
	@build/release/bench/bench_mixer
bench-srtp:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_srtp
	@build/release/bench/bench_srtp
bench-rtx-cache:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_rtx_cache
	@build/release/bench/bench_rtx_cache
bench-load-vp8:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_load_vp8
	@build/release/bench/bench_load_vp8
# The limit probe (docs/BENCHMARKS.md); e.g. PROBE_ARGS="--rounds 3 --profile cm".
PROBE_ARGS ?= --rounds 3
bench-probe:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_probe
	@build/release/bench/bench_probe $(PROBE_ARGS)
bench-router:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_router
	@build/release/bench/bench_router
bench-stun:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_stun
	@build/release/bench/bench_stun
bench-timers:
	@$(MAKE) --no-print-directory MODE=release build/release/bench/bench_timers
	@build/release/bench/bench_timers
# The load generator's Janus mode end to end against Debian's janus, in a
# network namespace of its own (root; not part of make test): audio, then
# simulcast video.
janus-check:
	@sh mk/deps.sh bench
	@$(MAKE) --no-print-directory $(LOAD_BIN)
	@sh tests/load/janus-check.sh $(LOAD_BIN)
	@JANUS_CHECK_VIDEO=1 sh tests/load/janus-check.sh $(LOAD_BIN)

FUZZ_SECONDS ?= 60
fuzz: test-deps
	@$(MAKE) --no-print-directory MODE=fuzz fuzz-build
	@sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(BUILD)/obj/$(MAIN_SRC:.c=.d)
-include $(LOAD_OBJS:.o=.d) $(BUILD)/obj/tests/load/load_main.d
-include $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d)
-include $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/obj/tests/fuzz/%.d)
-include $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/obj/tests/tools/%.d)
-include $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/obj/tests/bench/%.d)
-include $(PROBE_OBJS:.o=.d)
