# labs/labs.mk - the labs: handouts, per-lab grading, and the proof that
# every lab's tests can fail. Included by the top Makefile.
#
#   make handout LAB=<name> [HANDOUT_DIR=<path>]
#                       the student tree of a lab (default build/handout/<name>)
#   make grade LAB=<name> [ARCH=...]
#                       that lab's tests (labs/<name>/tests): its host unit
#                       tests first, then its grader tests with a score
#   make test-labs      for every lab with a folder, on both arches: its
#                       handout builds, its tests fail there, the earlier
#                       labs' tests pass there, and the reference passes them

HANDOUT_DIR ?= build/handout/$(LAB)

LAB_MANIFEST = labs/$(LAB)/tests
lab_lines = $(shell grep -v '^\#' $(LAB_MANIFEST) 2>/dev/null)
# Read by GRADE_TESTS in tests/tests.mk.
LAB_TESTS = $(filter-out unit:%,$(lab_lines))
LAB_UNIT = $(patsubst unit:%,$(H)/%,$(filter unit:%,$(lab_lines)))

.PHONY: handout lab-check lab-unit test-labs

lab-check:
	@[ -n "$(LAB)" ] || { echo "LAB=<name> is missing; the labs: $$(grep -v '^#' labs/labs.txt | tr '\n' ' ')"; exit 1; }
	@[ -f $(LAB_MANIFEST) ] || { echo "lab $(LAB) has no $(LAB_MANIFEST) (not out yet?)"; exit 1; }

handout: lab-check
	@sh labs/handout.sh $(LAB) $(HANDOUT_DIR)

# A lab's host unit tests run before its grader tests. A failure is
# reported here and in build/results/unit-failed; it does not stop the
# grader (its score counts the grader tests).
lab-unit: $(LAB_UNIT)
	@mkdir -p build/results; rm -f build/results/unit-failed; \
	for t in $(LAB_UNIT); do \
		if $$t >build/results/$${t##*/}.log 2>&1; then echo "unit $${t##*/}: passed"; \
		else echo "unit $${t##*/}: FAILED (build/results/$${t##*/}.log):"; \
			grep -E '^\[  (FAILED|ERROR) |Failure|panic' build/results/$${t##*/}.log | head -5; \
			echo $${t##*/} >>build/results/unit-failed; fi; \
	done

ifneq ($(LAB),)
grade: lab-check lab-unit
endif

test-labs:
	@sh labs/test-labs.sh
