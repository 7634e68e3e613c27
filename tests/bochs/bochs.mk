# tests/bochs/bochs.mk - user interrupts on a CPU that has them.
#
#   make bochs-uintr BOCHS=/path/to/bochs [BOCHS_UINTR=emulate] [CPUS=n]
#                    [BOCHS_PROG=pipetest]
#
# QEMU has no user interrupts, so the grader only ever sees the kernel
# emulate them. Bochs built from its current source with --enable-uintr
# (docs/uintr.md, "Building a UINTR Bochs") has them in its CPU model
# sapphire_rapids: this boots the x86_64 kernel there from a GRUB rescue
# CD, runs uintrtest (typed in by the kernel: input= on its command
# line), and prints PASS or FAIL from the serial log. BOCHS_UINTR=emulate
# boots with uintr=emulate, so the same Bochs runs the emulation for
# comparison; BOCHS_PROG runs another test program instead (one that
# ends with "NAME: N passed, M failed", like pipetest). Without BOCHS
# there is nothing to run: it says so and succeeds, so that scripts can
# call it unconditionally.
#
# Needs grub-pc-bin, grub-common and xorriso (Debian), besides Bochs.
# Work files and logs: build/bochs/<mode>/ (serial.txt: the console).

BOCHS ?=
BOCHS_UINTR ?= native
BOCHS_PROG ?= uintrtest
BOCHS_TIMEOUT ?= 3600

.PHONY: bochs-uintr
bochs-uintr:
ifeq ($(BOCHS),)
	@echo "bochs-uintr: skipped: no UINTR-capable Bochs given (BOCHS=/path/to/bochs; docs/uintr.md says how to build one)"
else
	@$(MAKE) --no-print-directory ARCH=x86_64 kernel
	tests/bochs/run.sh '$(BOCHS)' build/x86_64/kernel.elf build/bochs/$(BOCHS_UINTR) \
		$(CPUS) $(BOCHS_UINTR) $(BOCHS_TIMEOUT) $(BOCHS_PROG)
endif
