# labs/labs.mk - the labs: handouts, per-lab grading, and the proof that
# every lab's tests can fail. Included by the top Makefile.
#
#   make handout LAB=<name> [HANDOUT_DIR=<path>]
#                       the student tree of a lab (default build/handout/<name>)
#   make grade LAB=<name> [ARCH=...]
#                       that lab's tests (labs/<name>/tests), its host unit
#                       tests and its grader tests, in one score; with
#                       LAB='<name> <name>...' those labs' tests together
#   make test-labs [LAB_REF=listed]
#                       for every lab with a folder, on both arches: its
#                       handout builds, its tests fail there, the lab before
#                       it passes its tests there, and the reference passes them
#                       (LAB_REF=listed: only listed, not run; `make test`
#                       runs them all on the reference in test-grade and
#                       test-unit)
#   make lab-list LAB=<name> [ARCH=...]
#                       the tests `make grade LAB=<name>` runs, without running them
#   make gradescope LAB=<name> [GRADESCOPE_DIR=<path>]
#                       the lab's Gradescope autograder, <path>.zip (default
#                       build/gradescope/<name>.zip; labs/gradescope/make.sh)
#   make test-gradescope
#                       that autograder run in a fake /autograder on the
#                       reference's files (labs/gradescope/test.sh)
#
# A lab's manifest, labs/<name>/tests, has one entry a line; a line that
# starts with '#' is a comment.
#
#   <filter>            grader tests (QEMU): a name prefix or a glob, as
#                       in `make grade TEST=...`; each test earns the
#                       points its table gives (tests/*_test.c), per arch
#   unit:<program>[:<points>][@<arch>]
#                       the host unit test program tests/unit/<program>.c
#                       (built as build/host/<program>): each of its
#                       cmocka tests is graded on its own, as
#                       unit/<suite>/<test> worth <points> (1 if left out),
#                       once however many arches are graded. <suite> and
#                       <test> are the program's and the test function's
#                       names without their "test_" prefix. With @<arch>,
#                       only when <arch> is graded (ARCH=<arch> or all):
#                       a program that tests one arch's code.
#
# For example `unit:test_ring:2` grades test_ring's 13 tests at 2 points
# each, and `unit:test_uintr_x86@x86_64` grades test_uintr_x86 only with
# ARCH=x86_64 or ARCH=all. A unit program that does not build, crashes
# or hangs fails every test it has (the grader lists them from its source).

HANDOUT_DIR ?= build/handout/$(LAB)

LAB_MANIFEST = $(foreach l,$(LAB),labs/$(l)/tests)
lab_lines = $(shell cat $(LAB_MANIFEST) 2>/dev/null | grep -v '^\#')
# Read by GRADE_TESTS in tests/tests.mk.
LAB_TESTS = $(filter-out unit:%,$(lab_lines))
# The manifest's unit entries for the arches graded (GRADE_ARCHES, tests.mk):
# unit:<program>[:<points>], without the @<arch> part.
lab_unit_arch = $(if $(word 2,$(1)),$(if $(filter $(word 2,$(1)),$(GRADE_ARCHES)),$(word 1,$(1))),$(1))
lab_units = $(foreach u,$(filter unit:%,$(lab_lines)),$(call lab_unit_arch,$(subst @, ,$(u))))
# The grader's -u arguments, build/host/<program>[:<points>], and the programs.
LAB_UNIT = $(patsubst unit:%,$(H)/%,$(lab_units))
LAB_UNIT_BINS = $(foreach u,$(LAB_UNIT),$(firstword $(subst :, ,$(u))))

GRADESCOPE_DIR ?= build/gradescope/$(LAB)

.PHONY: handout lab-check lab-unit lab-list test-labs gradescope test-gradescope

lab-check:
	@[ -n "$(LAB)" ] || { echo "LAB=<name> is missing; the labs: $$(grep -v '^#' labs/labs.txt | tr '\n' ' ')"; exit 1; }
	@for l in $(LAB); do [ -f labs/$$l/tests ] || \
		{ echo "lab $$l has no labs/$$l/tests (not out yet?)"; exit 1; }; done

handout: lab-check
	@sh labs/handout.sh $(LAB) $(HANDOUT_DIR)

# Build the lab's unit test programs; the grader runs them (grader -u). A
# program that does not build does not stop the grading: it is removed
# (so that an older build cannot pass for it) and the grader fails each
# of its tests. ARCH is passed on because ARCH=all is only for `make grade`.
lab-unit: deps
	@mkdir -p build/results/logs; for t in $(LAB_UNIT_BINS); do \
		log=build/results/logs/build-$${t##*/}.log; \
		$(MAKE) --no-print-directory ARCH=$(ARCH) $$t >$$log 2>&1 || { rm -f $$t; \
			echo "unit: $$t does not build, so each of its tests fails ($$log):"; \
			grep -m 5 'error:' $$log; }; \
	done

ifneq ($(LAB),)
grade: lab-check lab-unit
GRADE_FLAGS += $(foreach u,$(LAB_UNIT),-u $(u))
endif

test-labs:
	@LAB_REF=$(LAB_REF) sh labs/test-labs.sh

lab-list: lab-check $(GRADER)
	@$(GRADER) -l -a $(ARCH) $(GRADE_FLAGS) $(foreach t,$(GRADE_TESTS),'$(t)')

# setup.sh installs the packages of DEPS (the Makefile), cmd:package pairs.
gradescope: lab-check
	@sh labs/gradescope/make.sh $(LAB) $(GRADESCOPE_DIR) "$(foreach d,$(DEPS),$(lastword $(subst :, ,$(d))))"

test-gradescope: deps $(GRADER)
	@sh labs/gradescope/test.sh
