# tests/robust.mk - the robustness runs that are not in CI (issue 9);
# included by the top Makefile. (usertests and ringfuzz's quick mode are
# grader tests: tests/robust_test.c, in `make test`.)
#
#   make fuzz [ARCH=riscv64|x86_64] [OPS=100000] [SEED=n]
#       the ring fuzzer's long mode (user/bin/ringfuzz.c): OPS fuzzed
#       entries per arch, in children of 5000 each, on each arch (both
#       without ARCH). SEED replays an earlier run (ringfuzz prints it).
#   make grind [ARCH=riscv64|x86_64] [SECS=300] [SEED=n]
#       random valid system activity (user/bin/grind.c) for SECS seconds.
#
# Both boot QEMU with CPUS CPUs, type the command at the shell, show its
# lines as they come, and fail on a FAIL line, a kernel panic, a hang or a
# missing verdict (tests/robust_run.c). Transcripts: build/robust/.

ROBUST_B := build/robust
ROBUST_RUN := $(H)/robust-run
# ARCH on the command line: that arch; not given: both.
ROBUST_ARCHES := $(if $(filter file override,$(origin ARCH)),$(ARCHES),$(ARCH))
OPS ?= 100000
SECS ?= 300

.PHONY: fuzz grind

$(ROBUST_RUN): tests/robust_run.c tests/harness/vm.c tests/harness/vm.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/robust_run.c tests/harness/vm.c

# $(call robust_qemu,ARCH): the command line `make qemu` would use.
robust_qemu = $$($(MAKE) -s --no-print-directory print-qemu ARCH=$(1) CPUS=$(CPUS))

fuzz: deps $(ROBUST_RUN)
	@for a in $(ROBUST_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a CPUS=$(CPUS) kernel || exit 1; done
	@mkdir -p $(ROBUST_B)
	@for a in $(ROBUST_ARCHES); do \
		echo "fuzz: $$a, $(OPS) operations, $(CPUS) CPUs"; \
		$(ROBUST_RUN) -t 7200 -o $(ROBUST_B)/fuzz-$$a.console \
			"ringfuzz -n $(OPS) -c $$(( ($(OPS) + 4999) / 5000 ))$(if $(SEED), -s $(SEED))" \
			'^ringfuzz: [0-9]+ passed, [0-9]+ failed$$' "$(call robust_qemu,$$a)" || exit 1; \
	done

grind: deps $(ROBUST_RUN)
	@$(MAKE) --no-print-directory ARCH=$(ARCH) CPUS=$(CPUS) kernel
	@mkdir -p $(ROBUST_B)
	$(ROBUST_RUN) -t $$(( $(SECS) + 900 )) -o $(ROBUST_B)/grind-$(ARCH).console \
		'grind -t $(SECS)$(if $(SEED), -s $(SEED))' '^grind: [0-9]+ passed, [0-9]+ failed$$' \
		"$(call robust_qemu,$(ARCH))"
