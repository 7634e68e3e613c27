# tests/bench/bench.mk - the benchmarks (issue 8); included by the top Makefile.
#
#   make bench [ARCH=riscv64|x86_64] [ACCEL=kvm]
#       duet's bench (user/bin/bench.c) on each arch (both without ARCH),
#       twice: under -icount shift=4,sleep=off -smp 1 for guest
#       instructions, and under plain TCG (CPUS CPUs) for time; with
#       ACCEL=kvm also under KVM on x86_64. Writes docs/bench/results.md,
#       results.tsv and the plots.
#   make bench-quick
#       `bench -q` on both arches: checks that it runs and prints a result
#       or a skip line for every case. Timings are not checked.
#   make bench-linux
#       the classic cases as /init of a Linux guest (Debian's kernel) and
#       duet's bench on x86_64, both under the same QEMU options, in one
#       run: docs/bench/linux.md and linux.tsv, the ratios.
#
# Everything a run printed stays in build/bench/raw/ (the BENCH lines,
# and each console's transcript in *.console). The method is in
# docs/benchmarks.md.

BENCH_B := build/bench
BENCH_RUN := $(BENCH_B)/bench-run
BENCH_RAW := $(BENCH_B)/raw
BENCH_DOCS := docs/bench
# ARCH on the command line: that arch; not given (or ARCH=all): both.
BENCH_ARCHES := $(if $(filter file override,$(origin ARCH)),$(ARCHES),$(ARCH))
# Under -icount shift=N the guest's clock advances 2^N ns per instruction.
BENCH_SHIFT := 4
ICOUNT := -icount shift=$(BENCH_SHIFT),sleep=off
BENCH_REPORT := sh tests/bench/report.sh

# What the benchmarks need beyond `make deps`: command:Debian-package.
BENCH_DEPS := gnuplot:gnuplot-nox cpio:cpio apt-get:apt dpkg-deb:dpkg \
	/usr/lib/x86_64-linux-gnu/libc.a:libc6-dev

.PHONY: bench bench-quick bench-linux bench-deps

# The same check and install as `make deps`, with our packages added.
bench-deps:
	@$(MAKE) --no-print-directory deps DEPS='$(DEPS) $(BENCH_DEPS)'

$(BENCH_RUN): tests/bench/run.c tests/harness/vm.c tests/harness/vm.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/bench/run.c tests/harness/vm.c

# $(call bench_kernels,ARCHES): build each arch's kernel, the bench in its boot archive.
bench_kernels = for a in $(1); do $(MAKE) --no-print-directory ARCH=$$a kernel || exit 1; done

# $(call bench_qemu,ARCH,CPUS): the command line `make qemu` would use.
bench_qemu = $$($(MAKE) -s --no-print-directory print-qemu ARCH=$(1) CPUS=$(2))

# KVM: duet's x86_64 kernel under KVM only on the microvm machine
# (DESIGN §7); -arch-capabilities because this machine's KVM is nested.
BENCH_KVM = -machine microvm -accel kvm -cpu host,-arch-capabilities

bench: bench-deps $(BENCH_RUN)
	@$(call bench_kernels,$(BENCH_ARCHES))
	@mkdir -p $(BENCH_RAW) $(BENCH_DOCS)
	@set -e; files=""; for a in $(BENCH_ARCHES); do \
		echo "bench: $$a under -icount (instructions)"; \
		$(BENCH_RUN) $(BENCH_RAW)/$$a-icount.txt "$(call bench_qemu,$$a,1) $(ICOUNT)"; \
		echo "bench: $$a under TCG, $(CPUS) CPUs (time)"; \
		$(BENCH_RUN) $(BENCH_RAW)/$$a-tcg.txt "$(call bench_qemu,$$a,$(CPUS))"; \
		files="$$files $(BENCH_RAW)/$$a-icount.txt $(BENCH_RAW)/$$a-tcg.txt"; \
		if [ "$(ACCEL)" = kvm ] && [ $$a = x86_64 ]; then \
			why=""; rm -f $(BENCH_RAW)/$$a-kvm.*; \
			if [ ! -w /dev/kvm ]; then \
				why="/dev/kvm is not usable here"; \
			elif $(BENCH_RUN) -t 60 $(BENCH_RAW)/$$a-kvm.txt \
				"$$(echo "$(call bench_qemu,$$a,1)" | sed 's/-machine pc/$(BENCH_KVM)/')"; then \
				files="$$files $(BENCH_RAW)/$$a-kvm.txt"; \
			else \
				why="duet x86_64 did not run its bench under KVM ($(BENCH_KVM));"; \
				why="$$why transcript: $(BENCH_RAW)/$$a-kvm.txt.console"; \
			fi; \
			if [ -n "$$why" ]; then \
				echo "bench: KVM skipped: $$why"; \
				echo "$$why" > $(BENCH_RAW)/$$a-kvm.skip; \
				files="$$files $(BENCH_RAW)/$$a-kvm.skip"; \
			fi; \
		fi; \
	done; \
	$(BENCH_REPORT) results $(BENCH_DOCS) $(BENCH_SHIFT) $$files

bench-quick: deps $(BENCH_RUN)
	@$(call bench_kernels,$(ARCHES))
	@mkdir -p $(BENCH_RAW)
	@for a in $(ARCHES); do \
		printf 'bench-quick: %s ... ' $$a; \
		$(BENCH_RUN) -q -t 300 $(BENCH_RAW)/$$a-quick.txt "$(call bench_qemu,$$a,$(CPUS))" \
			|| exit 1; \
		echo "ok, $$(grep -c '^BENCH case=' $(BENCH_RAW)/$$a-quick.txt) cases" \
			"($$(grep -c '^BENCH case=.* skip=' $(BENCH_RAW)/$$a-quick.txt) skipped)"; \
	done

# ---- Linux -------------------------------------------------------------
#
# The kernel: Debian's linux-image-amd64 names the current versioned
# package in its Depends; `apt-get download` fetches that .deb into
# build/bench/linux/ (nothing is installed on the host) and we take
# /boot/vmlinuz-* out of it. A .deb already there is used as it is.

BENCH_LINUX := $(BENCH_B)/linux
LINUX_KERNEL := $(BENCH_LINUX)/vmlinuz
LINUX_INITRD := $(BENCH_LINUX)/initrd.cpio
# tsc=reliable: keep the TSC as Linux's clock under QEMU, so that
# clock_gettime stays in the vDSO and counts guest instructions under icount.
LINUX_APPEND := console=ttyS0 tsc=reliable quiet panic=-1

$(LINUX_KERNEL):
	@mkdir -p $(@D)
	@set -e; cd $(@D); \
	deb=$$(ls linux-image-6.1*-amd64_*.deb 2>/dev/null | tail -1); \
	if [ -z "$$deb" ]; then \
		pkg=$$(apt-cache depends linux-image-amd64 2>/dev/null | \
			sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$$/\1/p' | head -1); \
		if [ -z "$$pkg" ] && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq; \
			pkg=$$(apt-cache depends linux-image-amd64 2>/dev/null | \
				sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$$/\1/p' | head -1); \
		fi; \
		[ -n "$$pkg" ] || { echo "bench-linux: apt knows no linux-image-amd64:" \
			"run 'sudo apt-get update'"; exit 1; }; \
		echo "bench-linux: apt-get download $$pkg"; \
		apt-get download -q $$pkg; \
		deb=$$(ls $${pkg}_*.deb | tail -1); \
	fi; \
	dpkg-deb --fsys-tarfile $$deb | tar -x --wildcards --no-anchored -O 'boot/vmlinuz-*' > vmlinuz.tmp; \
	[ -s vmlinuz.tmp ] || { echo "bench-linux: no vmlinuz in $$deb"; exit 1; }; \
	mv vmlinuz.tmp vmlinuz; echo "bench-linux: kernel from $$deb"

# The initramfs: one file, /init, the static benchmark (newc, as the
# kernel wants; /dev/console comes from the kernel's built-in part).
$(LINUX_INITRD): tests/bench/linux.c
	@mkdir -p $(BENCH_LINUX)/root
	$(HOSTCC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -o $(BENCH_LINUX)/root/init $<
	cd $(BENCH_LINUX)/root && echo init | cpio -o -H newc -R 0:0 --reproducible --quiet > ../initrd.cpio

bench-linux: bench-deps $(BENCH_RUN) $(LINUX_KERNEL) $(LINUX_INITRD)
	@$(MAKE) --no-print-directory ARCH=x86_64 kernel
	@mkdir -p $(BENCH_RAW) $(BENCH_DOCS)
	@set -e; q="$(call bench_qemu,x86_64,1) $(ICOUNT)"; \
	lq="$$(echo "$$q" | sed 's|-kernel [^ ]*|-kernel $(LINUX_KERNEL) -initrd $(LINUX_INITRD)|')"; \
	echo "bench-linux: Linux under -icount"; \
	$(BENCH_RUN) -l -t 900 $(BENCH_RAW)/linux-icount.txt "$$lq -append '$(LINUX_APPEND)'"; \
	echo "bench-linux: duet x86_64 under the same options"; \
	$(BENCH_RUN) $(BENCH_RAW)/linux-duet-icount.txt "$$q"; \
	$(BENCH_REPORT) linux $(BENCH_DOCS) $(BENCH_SHIFT) \
		$(BENCH_RAW)/linux-icount.txt $(BENCH_RAW)/linux-duet-icount.txt
