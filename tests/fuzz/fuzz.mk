# tests/fuzz/fuzz.mk - host fuzz targets (libFuzzer); included by the top Makefile.
#
#   make fuzz-host         build the targets, then run each for FUZZ_TIME
#                          seconds (default 60), one after another
#   make fuzz-host-quick   the same, FUZZ_QUICK_TIME seconds each (5)
#   make fuzz-deps         install clang and its fuzzer runtime if missing
#
# tests/fuzz/fuzz_<name>.c becomes build/fuzz/<name>, built with clang's
# libFuzzer, AddressSanitizer (with LeakSanitizer) and UBSan. Each run
# starts from seeds made in build/fuzz/seeds/<name>/ (mkseeds.c, plus the
# boot archives and user programs of whatever arches are built) and from
# what earlier runs learned, build/fuzz/corpus/<name>/. Any crash, leak,
# sanitizer report, broken invariant or hang fails the run; the input is
# saved in build/fuzz/crashes/<name>/, and
#     build/fuzz/<name> build/fuzz/crashes/<name>/<file>
# runs it again. Logs: build/fuzz/logs/<name>.log.

FUZZ := build/fuzz
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_QUICK_TIME ?= 5
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(FUZZ)/,$(FUZZ_TARGETS))
# -fno-sanitize-recover: UBSan stops at its first report, as a crash.
# -Wno-macro-redefined: clang's stddef.h spells NULL differently from types.h.
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-macro-redefined \
	-Ikernel -Ishared -Itests/unit -Iuser/include -MMD -MP -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: fuzz-host fuzz-host-quick fuzz-deps fuzz-seeds

$(filter-out $(FUZZ)/disk,$(FUZZ_BINS)): $(FUZZ)/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.mk | fuzz-deps
	@mkdir -p $(FUZZ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< -lcmocka

# The disk's mount links the on-disk file system (DISK_SRC, tools/tools.mk).
$(FUZZ)/disk: tests/fuzz/fuzz_disk.c $(DISK_SRC) $(DISK_HDR) tests/fuzz/fuzz.mk | fuzz-deps
	@mkdir -p $(FUZZ)
	$(FUZZ_CC) $(filter-out -MMD -MP,$(FUZZ_CFLAGS)) -o $@ $< $(DISK_SRC)

-include $(FUZZ_BINS:=.d)

$(FUZZ)/mkseeds: tests/fuzz/mkseeds.c tests/fuzz/ringscript.h
	@mkdir -p $(FUZZ)
	$(HOSTCC) $(HOST_CFLAGS) -Itests/unit -o $@ $<

# Made afresh each run: they are cheap, and the build's programs change.
fuzz-seeds: $(FUZZ)/mkseeds
	@rm -rf $(FUZZ)/seeds
	@mkdir -p $(addprefix $(FUZZ)/seeds/,$(FUZZ_TARGETS))
	@$(FUZZ)/mkseeds $(FUZZ)/seeds $(wildcard build/*/archive.cpio build/*/user/root/bin/*)

fuzz-host: $(FUZZ_BINS) fuzz-seeds
	@sh tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-host-quick: $(FUZZ_BINS) fuzz-seeds
	@sh tests/fuzz/run.sh $(FUZZ_QUICK_TIME) $(FUZZ_TARGETS)

# clang, and the runtime that -fsanitize=fuzzer links: on Debian 12 that
# is libclang-rt-14-dev (libclang_rt.fuzzer-*.a), which clang only
# recommends; libclang-rt-dev follows the default clang's version. The
# proof is linking a tiny target. cmocka: host.h fails through it.
FUZZ_PROBE := int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }
fuzz-deps:
	@missing=""; \
	command -v $(FUZZ_CC) >/dev/null 2>&1 || missing=" clang libclang-rt-dev"; \
	[ -e /usr/include/cmocka.h ] || missing="$$missing libcmocka-dev"; \
	if [ -z "$$missing" ]; then \
		mkdir -p $(FUZZ); \
		echo '$(FUZZ_PROBE)' | $(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined \
			-o $(FUZZ)/.probe - >/dev/null 2>&1 || missing=" libclang-rt-dev"; \
		rm -f $(FUZZ)/.probe; \
	fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "fuzz-deps: installing$$missing"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			  apt-get install -y -qq $$missing >/dev/null; } || exit 1; \
		else \
			echo "fuzz-deps: missing packages. Run:"; \
			echo "  sudo apt-get install$$missing"; exit 1; \
		fi; \
	fi
