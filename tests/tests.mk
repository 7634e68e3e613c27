# tests/tests.mk - building and running the tests; included by the top Makefile.
#
#   make test           everything, both arches: unit tests, the grader's
#                       selftest, then the grader (its last line counts)
#   make test-unit      the host unit tests, tests/unit/test_*.c
#   make test-arch      every arch keeps kernel/arch.h's contract in the
#                       same files (tests/arch_contract.sh)
#   make test-grade     the grader on both arches
#   make grade [ARCH=riscv64|x86_64|all] [TEST=filter] [CPUS=n]
#                       the grader on one arch; TEST picks tests by name
#                       prefix or glob, e.g. TEST=boot/echo, TEST='*/gdb'
#
# Results: build/results/results.json (Gradescope), build/results/junit.xml,
# and every test's output and console transcripts in build/results/logs/.
# JOBS=n sets how many tests run at once (the grader's default is 2; JOBS=1
# on a busy machine);
# SEED=n replays the random inputs of an earlier run (it prints its seed);
# FIRSTFAIL=1 starts no QEMU test once a test has failed (grader -x).

H := build/host
GRADER := $(H)/grader
SELFTEST := $(H)/selftest
HARNESS := $(wildcard tests/harness/*.c)
HARNESS_H := $(wildcard tests/harness/*.h)
SUITES := $(wildcard tests/*_test.c)
UNIT := $(patsubst tests/unit/%.c,$(H)/%,$(wildcard tests/unit/test_*.c))
GRADE_FLAGS = -c $(CPUS) -o build/results $(if $(JOBS),-j $(JOBS)) $(if $(SEED),-s $(SEED)) \
	$(if $(FIRSTFAIL),-x)

# The tests `make grade` runs: with LAB=<name>, the grader tests of the
# lab's manifest labs/<name>/tests (labs/labs.mk), else TEST.
GRADE_TESTS = $(if $(LAB),$(LAB_TESTS),$(TEST))

.PHONY: grade test-build test-selftest test-arch

$(GRADER): tests/grader.c $(SUITES) $(HARNESS) $(HARNESS_H)
	@mkdir -p $(H)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/grader.c $(SUITES) $(HARNESS) -lcmocka

$(SELFTEST): tests/selftest.c $(HARNESS) $(HARNESS_H)
	@mkdir -p $(H)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/selftest.c $(HARNESS) -lcmocka

# A unit test includes the kernel .c files it tests: -MMD records them.
# The user-interrupt tests run one arch's own code (arch/<arch>/uintr.c,
# and kernel/uintr.c's trap over it): kernel/arch.h must find that arch's
# archdef.h, not the imaginary one of tests/unit.
$(H)/test_uintr_riscv: UNIT_ARCH := -Iarch/riscv64
$(H)/test_uintr_x86 $(H)/test_upid: UNIT_ARCH := -Iarch/x86_64
# The network stack's files include its header from user/include.
$(H)/test_net: UNIT_ARCH := -Iuser/include
# test_virtq runs the virtio driver's queue (user/lib/virtio.c) against a fake device.
$(H)/test_virtq: UNIT_ARCH := -Iuser/include
# The *_race tests run code on two threads under ThreadSanitizer
# (tests/unit/race.h); it does not model standalone fences (-Wno-tsan).
# test_pipe runs the C library's pipe.c with host user interrupts (tests/unit/pipehost).
$(H)/test_pipe: UNIT_ARCH := -iquote tests/unit/pipehost -Iuser/include -fno-builtin
$(H)/test_pipe_race: UNIT_ARCH += -iquote tests/unit/pipehost -Iuser/include -fno-builtin
$(H)/test_%_race: UNIT_ARCH := -fsanitize=thread -Wno-tsan -lpthread
$(H)/test_%: tests/unit/test_%.c
	@mkdir -p $(H)
	$(HOSTCC) $(HOST_CFLAGS) -MMD -MP $(UNIT_ARCH) -Itests/unit -o $@ $< -lcmocka

-include $(UNIT:=.d)

# What the grader boots on one arch: the kernel, and the U-Boot files.
test-build: kernel $(UBOOT_FILES) $(DISK0)

# In a lab's handout (labs/README.md), the unit programs of the labs after
# it test code that is still a stub there: they are skipped, with a line
# saying which lab they wait for. A lab's stubs are in the tree when a
# "Lab <name>, task" comment is; the first such lab is the one at work.
test-unit: $(UNIT)
	@fail=0; at=; later=; \
	for l in $$(grep -v '^#' labs/labs.txt); do \
		if [ -n "$$at" ]; then later="$$later $$l"; \
		elif grep -rqs "Lab $$l, task" kernel user arch shared; then at=$$l; fi; \
	done; \
	for t in $(UNIT); do \
		lab=$$(for l in $$later; do grep -qs "^unit:$${t##*/}\b" labs/$$l/tests && echo $$l; done); \
		if [ -n "$$lab" ]; then echo "== $$t: not yet: lab $$lab (this is lab $$at's handout)"; continue; fi; \
		echo "== $$t"; $$t || fail=1; \
	done; exit $$fail

test-selftest: $(SELFTEST)
	$(SELFTEST)

test-arch:
	@sh tests/arch_contract.sh

test-grade: deps $(GRADER)
	@for a in $(ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a CPUS=$(CPUS) test-build || exit 1; done
	$(GRADER) -a all $(GRADE_FLAGS)

# GRADE_ARCHES: both arches for ARCH=all (see the Makefile), else ARCH.
GRADE_ARCHES ?= $(ARCH)
grade: deps $(GRADER)
	@for a in $(GRADE_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a CPUS=$(CPUS) test-build || exit 1; done
	$(GRADER) -a $(if $(filter 1,$(words $(GRADE_ARCHES))),$(ARCH),all) $(GRADE_FLAGS) \
		$(foreach t,$(GRADE_TESTS),'$(t)')

# Every part runs even if an earlier one failed; the grader comes last so
# that its "N passed, N failed" stays the last line. test-labs leaves the
# reference's lab scores to test-grade and test-unit, which run the same
# tests on the same tree (LAB_REF=listed, labs/test-labs.sh).
test: deps
	@fail=0; \
	$(MAKE) --no-print-directory test-unit || fail=1; \
	$(MAKE) --no-print-directory test-arch || fail=1; \
	$(MAKE) --no-print-directory test-selftest || fail=1; \
	$(MAKE) --no-print-directory test-labs LAB_REF=listed || fail=1; \
	$(MAKE) --no-print-directory test-gradescope || fail=1; \
	$(MAKE) --no-print-directory fuzz-host-quick || fail=1; \
	$(MAKE) --no-print-directory bench-quick || fail=1; \
	$(MAKE) --no-print-directory test-budget || fail=1; \
	$(MAKE) --no-print-directory test-grade || fail=1; \
	exit $$fail
